// Package e2e runs the real otelcol-obtrace binary on loopback ports and feeds it with the
// OpenTelemetry Go SDK, the way a service would. `make test-integration` builds the binary and
// passes its path in OTELCOL_BIN.
//
// Every collector starts from a shipped file in configs/, never a hand copy of one, so a test
// fails when the shipped config does:
//
//	newShippedRun(t, "gateway.yaml", ingest.URL(), storageDir, extra).start(t)
//
// merges, in order, the shipped file, loopbackOverlay (receivers, health check and metrics on
// ports chosen at run time; the obtrace exporter towards the fake ingest; quick retries) and the
// test's own YAML in extra. The collector merges maps deeply and replaces lists. No test writes
// a whole collector config by hand: newConfigRun takes a shipped config a test rewrote where an
// overlay cannot say it (tailsampling_test.go fills in load_balancing's resolver), and
// configArgs overlays any config (findings_page_test.go: local.yaml, which has no obtrace
// exporter).
//
// To add a scenario:
//  1. Start the fake ingest, ingesttest.New(t, responder) (or NewOn a port fixed in advance to
//     begin with the ingest down); its Request.N numbers the requests on each path from 1.
//  2. Start a run as above; put in extra only what the scenario changes, and say why.
//  3. Send with workload{...}.send / sendAll (sdkclient_test.go) or postOTLP / exportGRPC
//     (otlp_requests_test.go), with receiverAuth: the shipped gateways require it.
//  4. Wait with waitDelivered or waitFor (bounded), then c.stop(t) and check with
//     checkDeliveredExactly, ingest.Requests() or DeliveredNames. stop and kill search the
//     collector's output for every secret in credentials_test.go; add new secrets there.
//
// Files by job: collector_test.go starts and stops the process, process_test.go signals and
// measures it, runs_test.go holds the shipped configs and overlays, otlp_requests_test.go builds
// and sends OTLP requests, ingest_test.go waits on the fake ingest, credentials_test.go holds
// the keys and tokens; the other files are scenarios.
package e2e
