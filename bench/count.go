package bench

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The counters below walk the protobuf wire format of an OTLP export request
// without building pdata: they allocate nothing, so the sink (which shares the
// machine with the collector under test) stays cheap. They are checked against
// pdata's own counts in count_test.go.

// Field numbers of the OTLP protobuf messages (opentelemetry-proto v1).
const (
	fieldResourceX = 1 // Export*ServiceRequest.resource_{spans,metrics,logs}
	fieldScopeX    = 2 // Resource*.scope_{spans,metrics,logs}
	fieldItems     = 2 // Scope*.{spans,metrics,log_records}

	fieldMetricName = 1
	fieldMetricUnit = 3
	fieldDataPoints = 1 // {Gauge,Sum,Histogram,ExponentialHistogram,Summary}.data_points
)

// metricDataFields are the fields of Metric that hold the data (oneof data).
var metricDataFields = map[protowire.Number]bool{5: true, 7: true, 9: true, 10: true, 11: true}

var errMalformed = errors.New("malformed protobuf")

// eachField calls fn with the number, wire type and encoded value of every field of msg.
func eachField(msg []byte, fn func(num protowire.Number, typ protowire.Type, value []byte) error) error {
	for len(msg) > 0 {
		n, typ, l := protowire.ConsumeTag(msg)
		if l < 0 {
			return errMalformed
		}
		msg = msg[l:]
		l = protowire.ConsumeFieldValue(n, typ, msg)
		if l < 0 {
			return errMalformed
		}
		if err := fn(n, typ, msg[:l]); err != nil {
			return err
		}
		msg = msg[l:]
	}
	return nil
}

// eachBytesField calls fn with the value of every length-delimited field num of msg.
func eachBytesField(msg []byte, num protowire.Number, fn func([]byte) error) error {
	return eachField(msg, func(n protowire.Number, typ protowire.Type, value []byte) error {
		if n != num || typ != protowire.BytesType {
			return nil
		}
		v, _ := protowire.ConsumeBytes(value) // its length was checked by eachField
		return fn(v)
	})
}

// RejectedItems reads partial_success.rejected_{spans,data_points,log_records} of an
// Export*ServiceResponse (field 1 of field 1 in all three); 0 when absent.
func RejectedItems(resp []byte) int64 {
	var rejected int64
	_ = eachBytesField(resp, 1, func(partial []byte) error {
		return eachField(partial, func(n protowire.Number, typ protowire.Type, value []byte) error {
			if n == 1 && typ == protowire.VarintType {
				v, _ := protowire.ConsumeVarint(value)
				rejected = int64(v)
			}
			return nil
		})
	})
	return rejected
}

// countLeaves counts the items (level 3) of a request whose items sit at
// resource -> scope -> item, as spans and log records do.
func countLeaves(req []byte) (int, error) {
	n := 0
	err := eachBytesField(req, fieldResourceX, func(res []byte) error {
		return eachBytesField(res, fieldScopeX, func(scope []byte) error {
			return eachBytesField(scope, fieldItems, func([]byte) error { n++; return nil })
		})
	})
	return n, err
}

// CountSpans returns the number of spans in a serialized ExportTraceServiceRequest.
func CountSpans(req []byte) (int, error) { return countLeaves(req) }

// CountLogRecords returns the number of log records in a serialized ExportLogsServiceRequest.
func CountLogRecords(req []byte) (int, error) { return countLeaves(req) }

// MetricKey is the name and unit of a metric as it arrives.
type MetricKey struct{ Name, Unit string }

// CountDataPoints returns the number of data points in a serialized
// ExportMetricsServiceRequest. When seen is not nil it is called once per
// metric with the metric's name, unit and number of data points.
func CountDataPoints(req []byte, seen func(k MetricKey, points int)) (int, error) {
	total := 0
	err := eachBytesField(req, fieldResourceX, func(res []byte) error {
		return eachBytesField(res, fieldScopeX, func(scope []byte) error {
			return eachBytesField(scope, fieldItems, func(metric []byte) error {
				points, key, err := countMetric(metric, seen != nil)
				if err != nil {
					return err
				}
				total += points
				if seen != nil {
					seen(key, points)
				}
				return nil
			})
		})
	})
	return total, err
}

func countMetric(m []byte, wantKey bool) (int, MetricKey, error) {
	var key MetricKey
	points := 0
	for len(m) > 0 {
		n, typ, l := protowire.ConsumeTag(m)
		if l < 0 {
			return 0, key, errMalformed
		}
		m = m[l:]
		if typ != protowire.BytesType {
			l = protowire.ConsumeFieldValue(n, typ, m)
			if l < 0 {
				return 0, key, errMalformed
			}
			m = m[l:]
			continue
		}
		v, l := protowire.ConsumeBytes(m)
		if l < 0 {
			return 0, key, errMalformed
		}
		m = m[l:]
		switch {
		case n == fieldMetricName && wantKey:
			key.Name = string(v)
		case n == fieldMetricUnit && wantKey:
			key.Unit = string(v)
		case metricDataFields[n]:
			if err := eachBytesField(v, fieldDataPoints, func([]byte) error { points++; return nil }); err != nil {
				return 0, key, err
			}
		}
	}
	return points, key, nil
}

// CountItems counts the items of a serialized request of the signal.
func CountItems(sig Signal, req []byte) (int, error) {
	switch sig {
	case Traces:
		return CountSpans(req)
	case Metrics:
		return CountDataPoints(req, nil)
	case Logs:
		return CountLogRecords(req)
	}
	return 0, fmt.Errorf("unknown signal %v", sig)
}
