package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const shippedGateway = "../../../configs/gateway.yaml"

// The stock fsync variant gets the shipped gateway's queue, retry and
// file_storage settings, with only the directory changed.
func TestFsyncQueueOverlayCopiesTheShippedQueue(t *testing.T) {
	text, err := fsyncQueueOverlay(shippedGateway, "/tmp/q")
	if err != nil {
		t.Fatal(err)
	}
	var got, shipped map[string]any
	if err := yaml.Unmarshal([]byte(text), &got); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(shippedGateway)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &shipped); err != nil {
		t.Fatal(err)
	}
	dig := func(m map[string]any, path ...string) any {
		var v any = m
		for _, k := range path {
			v = v.(map[string]any)[k]
		}
		return v
	}
	for _, k := range []string{"sending_queue", "retry_on_failure"} {
		if a, b := yamlText(t, dig(got, "exporters", "otlp_http", k)), yamlText(t, dig(shipped, "exporters", "obtrace", k)); a != b {
			t.Errorf("%s differs:\n%s\nshipped:\n%s", k, a, b)
		}
	}
	storage := dig(got, "extensions", "file_storage/queue").(map[string]any)
	if storage["directory"] != "/tmp/q" || storage["fsync"] != true {
		t.Errorf("file_storage/queue: %v", storage)
	}
}

func yamlText(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The shipped variant runs the file as is plus a ports overlay; the sink, keys,
// token and queue directory go through the environment.
func TestPrepareConfigShipped(t *testing.T) {
	o := options{workDir: t.TempDir(), gateway: shippedGateway}
	v := &variantDef{shipped: shippedGateway}
	rc, err := prepareConfig(o, v, "run", ports{grpc: 1, http: 2, health: 3, metrics: 4}, "http://127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.args) != 4 || rc.args[1] != shippedGateway || !strings.HasSuffix(rc.args[3], ".overlay.yaml") {
		t.Errorf("args %v", rc.args)
	}
	for _, want := range []string{"OBTRACE_ENDPOINT=http://127.0.0.1:9", "OTELCOL_RECEIVER_TOKEN=" + receiverToken, "OTELCOL_STORAGE_DIR=" + rc.storageDir, "OTELCOL_K8S_PASSTHROUGH=true"} {
		if !slices.Contains(rc.env, want) {
			t.Errorf("env %v lacks %s", rc.env, want)
		}
	}
	overlay, _ := os.ReadFile(rc.args[3])
	if strings.Contains(string(overlay), "0.0.0.0") || !strings.Contains(string(overlay), "127.0.0.1:3") {
		t.Errorf("overlay:\n%s", overlay)
	}
}
