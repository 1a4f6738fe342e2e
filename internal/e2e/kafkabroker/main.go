// Command kafkabroker runs kfake, franz-go's in-process implementation of the Kafka protocol
// (produce, fetch, consumer groups, offset commits), on a loopback port for the e2e tests: no
// Kafka broker can be installed on the machines these tests run on. It is a module of its own
// so that its franz-go version never reaches the distribution's module graph (our root module
// is the distribution's replace target).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 0, "loopback port to listen on (required)")
	topics := flag.String("topics", "", "comma-separated topics to create")
	partitions := flag.Int("partitions", 4, "partitions of each topic")
	flag.Parse()
	if *port <= 0 {
		log.Fatal("kafkabroker: -port is required")
	}
	opts := []kfake.Opt{kfake.Ports(*port)}
	if *topics != "" {
		opts = append(opts, kfake.SeedTopics(int32(*partitions), strings.Split(*topics, ",")...))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		log.Fatalf("kafkabroker: %v", err)
	}
	defer cluster.Close()
	fmt.Printf("kafkabroker listening on %s\n", strings.Join(cluster.ListenAddrs(), ","))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
