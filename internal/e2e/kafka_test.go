package e2e

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/obtraceai/otelcol-obtrace/internal/ingesttest"
	"github.com/obtraceai/otelcol-obtrace/internal/loopback"
)

// startKafkaBroker builds and starts ./kafkabroker (kfake, franz-go's in-process implementation of
// the Kafka protocol: produce, fetch, consumer groups, offset commits) on a loopback port and
// returns its address. No Kafka broker can be installed here (the registries this machine reaches
// have no package of Kafka itself).
func startKafkaBroker(t *testing.T, topic string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kafkabroker")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "kafkabroker"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the test broker: %v\n%s", err, out)
	}
	ports, err := loopback.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-port", strconv.Itoa(ports[0]), "-topics", topic, "-partitions", "4")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if !strings.HasPrefix(line, "kafkabroker listening on") {
			t.Fatalf("test broker did not start: %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("test broker not listening after 30s")
	}
	return fmt.Sprintf("127.0.0.1:%d", ports[0])
}

// TestKafkaBetweenCollectors: one collector's kafka exporter writes spans to a topic, another
// collector's kafka receiver reads them and delivers to Obtrace: no span lost, none repeated.
// The broker is kfake (startKafkaBroker).
func TestKafkaBetweenCollectors(t *testing.T) {
	collectorBinary(t)
	broker := startKafkaBroker(t, "otlp_spans")

	ingest := ingesttest.New(t, nil)
	producer := newShippedRun(t, "gateway.yaml", ingest.URL(), "", fmt.Sprintf(`
exporters:
  kafka:
    brokers: ["%s"]
    traces: {topic: otlp_spans, encoding: otlp_proto}
    partition_traces_by_id: true
    sending_queue: {enabled: true, storage: file_storage/queue}
    retry_on_failure: {enabled: true, initial_interval: 100ms, max_elapsed_time: 60s}
service:
  pipelines:
    traces: {exporters: [kafka]}
`, broker)).start(t)
	consumer := newShippedRun(t, "gateway.yaml", ingest.URL(), "", fmt.Sprintf(`
receivers:
  kafka:
    brokers: ["%s"]
    traces: {topics: [otlp_spans], encoding: otlp_proto}
    group_id: obtrace-gateway-e2e
    initial_offset: earliest
    # the offset is committed once the pipeline (and so the persistent queue) has the spans
    message_marking: {after: true, on_error: false}
service:
  pipelines:
    traces: {receivers: [kafka]}
`, broker)).start(t)

	sent := sendAll(t, producer,
		workload{Protocol: "grpc", Service: "kafka-e2e", Prefix: "kafka-grpc", Spans: 300, Headers: receiverAuth},
		workload{Protocol: "http", Service: "kafka-e2e", Prefix: "kafka-http", Spans: 300, Headers: receiverAuth})
	waitDelivered(t, ingest, 90*time.Second, itemCounts{tracesPath: sent[tracesPath]})
	time.Sleep(2 * time.Second) // room for a duplicate to show
	producer.stop(t)
	consumer.stop(t)
	checkDeliveredExactly(t, ingest, itemCounts{tracesPath: sent[tracesPath]})
	dups := 0
	for _, n := range ingest.DeliveredNames(tracesPath) {
		dups += n - 1
	}
	if dups != 0 {
		t.Errorf("%d spans delivered more than once", dups)
	}
	t.Logf("FIGURES kafka: %d spans sent to collector 1, through kafka exporter → kfake (4 partitions) → kafka receiver of collector 2, %d delivered, %d duplicates",
		sent[tracesPath], ingest.Delivered(tracesPath), dups)
}
