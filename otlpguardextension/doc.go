//go:generate ../.tools/bin/mdatagen metadata.yaml

// Package otlpguardextension guards the OTLP receivers against hostile requests before pdata
// decodes them: AnyValue nesting beyond max_value_depth is refused by scanning the wire bytes
// (protobuf and JSON), gRPC requests are authenticated before their message is read, every
// refusal is counted, and a bearer-token file is served whose revocations always take effect.
package otlpguardextension
