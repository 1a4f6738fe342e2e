//go:generate ../.tools/bin/mdatagen metadata.yaml

// Package obtraceexporter exports traces, metrics and logs to Obtrace
// (https://obtrace.ai) over OTLP/HTTP with protobuf encoding. README.md is the
// user's view; this comment is the design, in one place. File headers point
// here.
//
// # Flow
//
// The factory creates one exporter per signal. Data goes through it in this
// order (send in exporter.go is where a request's outcome comes back):
//
//	pipeline
//	  -> guarded{Traces,Metrics,Logs}.Consume*   guard: entry check, metadata kept (exporter.go, tenant.go)
//	  -> groupCommit                             with a persistent queue: concurrent requests, one Offer (groupcommit.go)
//	  -> this component's exporterhelper         sending_queue, retry_on_failure, otelcol_exporter_* metrics;
//	                                             its storage client is a deferredClient (queuestorage.go)
//	  -> push{Traces,Metrics,Logs}               identity added to every resource (identity.go)
//	  -> deliver                                 500 retried, 413 split, permanent refusals to the
//	                                             dead-letter queue (delivery.go, deadletter.go)
//	  -> send                                    tenant key and breaker check; after the call: breaker,
//	                                             otelcol_exporter_obtrace_* metrics, refusal logs, Retry-After
//	  -> upstream otlphttpexporter               no queue, no retry, no metrics (upstream.go)
//	  -> confighttp client                       compression, headers with "Authorization: Bearer <api_key>"
//	  -> observingRoundTripper                   tenant key set; status, Retry-After, partial success,
//	                                             redirect host read; Location removed (observer.go)
//	  -> Obtrace ingest, <endpoint>/otlp/v1/<signal>
//
// # Upstream exporter
//
// The OTLP/HTTP work (encoding, compression, status handling, partial
// success) is the upstream otlphttpexporter's, configured by upstreamConfig
// and run synchronously under this component's exporterhelper, which owns
// sending_queue and retry_on_failure. So each upstream call is exactly one
// HTTP request whose item count and outcome send sees together, which the
// per-item telemetry and the 401/403 diagnostics need. upstreamSettings gives
// it a no-op MeterProvider (nothing counted twice) and a logger without the
// two messages this component reports itself (TestUpstreamLogFilter pins
// them).
//
// # Response observer
//
// The upstream exporter keeps the status code, Retry-After and the
// partial-success body to itself. The exporter sees them through an
// http.RoundTripper plugged into the upstream client with the public
// confighttp client-middleware hook: the upstream config names observerID,
// and the host handed to the upstream Start adds a private extension under
// that ID. It is the innermost round tripper, right above the transport. It
// changes a request in one way: in passthrough mode it sets the request's
// Authorization header to the tenant's key. It changes a response in one way:
// it removes the Location header of a redirect. Everything else of the client
// (TLS, proxy, compression, headers) is confighttp's. It reports into the
// exchange send puts in the request's context; requests without one pass
// through untouched. The start-up check uses the same clientConfig without the
// observer.
//
// # Tenant pass-through (auth.mode: passthrough)
//
// Each incoming request carries its tenant's key in "Authorization: Bearer
// <key>", which the OTLP receiver puts into client.Info metadata when
// include_metadata is on. The guard checks that key before the data is queued
// and refuses a request without a usable one with a gRPC status (the receiver
// turns it into HTTP 401/403), so nothing without a key is accepted. It keeps
// only that header in the metadata, so the persistent queue stores nothing
// else of the request (in api_key mode it keeps no metadata at all). Each
// request to ingest carries its own key; Validate insists that queue batches
// are partitioned by it. A per-key circuit breaker refuses a key for cool_off
// after failure_threshold consecutive 401/403 answers, while other keys flow
// on; it holds at most max_tenants keys, by SHA-256. Keys are never logged:
// logs and metrics name a key by its fingerprint (8 hex digits of its
// SHA-256).
//
// # Redirects
//
// Every request carries a key, set below the http.Client, so Go's rule of
// dropping Authorization on a cross-host redirect never sees it: following a
// 3xx would send the key wherever Location points. Ingest has no reason to
// redirect, so a 3xx is a permanent error naming the status and the
// Location's host. The export client (built by confighttp, which has no
// redirect setting) is kept from following by the observer removing Location;
// the start-up check's client refuses with CheckRedirect.
//
// # Secrets
//
// Everything logged or returned is redacted (redact.go): the two secrets the
// exporter knows (api_key and, in passthrough mode, the request's tenant key),
// and, since text ingest controls may echo a key the exporter does not know,
// anything that looks like an Obtrace key or a bearer credential. Text ingest
// wrote (partial-success message, status message) is redacted, then bounded,
// so a hostile ingest cannot flood the log.
//
// # Start-up check (startup_check)
//
// Like Obtrace SDKs, the exporter sends POST <endpoint>/v1/init once at start,
// in a goroutine that Shutdown cancels: a connectivity and credential check
// whose outcome is logged. It never gates, fails or delays Start and is never
// retried. Skipped in passthrough mode (no single key) and without a base
// endpoint. The three signals' exporters usually share a configuration, so
// the first to start claims endpoint+key (by fingerprint) in startupChecks
// and the others skip it; the claim is released at shutdown, so a reload
// checks again.
//
// # Queue file check (queue_file_check)
//
// file_storage silently replaces an empty bbolt queue file and crash-loops
// (bbolt panics without naming the file) on a truncated one. So start, which
// exporterhelper runs before it opens the queue, checks the file read-only
// (checkQueueFile): a damaged file stops start with an error naming it, or,
// with quarantine, is renamed to <file>.damaged-<UTC time> and the queue
// starts empty. Other storage extensions are not checked.
//
// # Durable delivery: group commit and lazy queue bookkeeping
//
// groupCommit writes concurrent incoming requests to the persistent queue
// together (write-ahead-log group commit). exporterhelper's persistent queue
// runs one fsynced storage transaction per Offer under one mutex, so requests
// offered one by one wait for each other's fsync; here the requests that
// arrive while a transaction runs are merged into one queue item and offered
// once, by one of them, as soon as the running transaction ends. Each caller
// returns the result of the transaction that holds its data: nothing is
// acknowledged before it is on disk, and a failed transaction fails every
// request in it, so the clients retry exactly what was not accepted.
//
// Bounds: a group holds at most maxItems items (a larger request is written
// alone); only requests of one partition (the tenant key in passthrough mode)
// share a group; a request waits for at most the transaction in flight and
// the groups ahead of it. No timer is involved and no data is held that a
// receiver goroutine does not already hold for its client.
//
// exporterhelper's persistent queue (v0.160.0) also runs three storage
// transactions per queue item, each fsynced by file_storage: Offer (the item
// and the queue metadata), Read (the metadata, to mark the item dispatched,
// and the item) and done (delete the item, the metadata). Only the first
// protects accepted data; losing the other two in a crash makes the queue
// deliver an item again (at-least-once), never lose one. So the queue's
// storage client, deferredClient (queuestorage.go, handed out by the host
// exporterhelper is started with),
//
//   - writes item transactions at once, fsynced, as before;
//   - holds the bookkeeping writes in memory, in order, and commits them
//     ahead of the next item transaction, in it, or after flushInterval, or
//     once maxDeferredOps are held. The durable state is always what the
//     queue wrote up to some transaction no older than the last
//     acknowledged Offer: a state upstream's crash recovery is made for;
//   - keeps the items it wrote in memory, up to maxCachedBytes, so that the
//     Read of a fresh item needs no transaction (file_storage runs every
//     read in a writable, fsynced one). Items read after a restart, or
//     written while the cache was full, are read from disk.
//
// On a full disk this also keeps the Read's metadata write off the disk,
// where upstream's Read fails and drops the item it was reading.
//
// # Refusals: HTTP 500, 413 and the dead-letter queue
//
// Upstream treats every status but 429/502/503/504 as permanent. deliver
// retries a 500 itself (bounded, server_error_retries) and splits a batch
// refused with 413 into halves (halves in batch.go copy resources, scopes or
// records; a retryable failure of a half returns consumererror data of what
// is left, so exporterhelper retries only that). What is still refused goes
// to the dead-letter queue (deadletter.go over internal/deadletter) and the
// exporter answers exporterhelper with success, so the persistent queue lets
// go of it; when the store cannot take it (a full disk) the error stays
// retryable and the data stays queued. Resends run in one goroutine per
// signal, sequentially, through the same deliver path minus the dead-letter
// step (resendBatch).
package obtraceexporter
