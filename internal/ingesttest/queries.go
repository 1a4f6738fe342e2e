package ingesttest

import "net/http"

// Delivered counts the items of accepted (200) requests on path.
func (f *Ingest) Delivered(path string) int { return f.Items(path, http.StatusOK) }

// Items counts the items of the requests on path answered with status.
func (f *Ingest) Items(path string, status int) int {
	total := 0
	for _, r := range f.Requests() {
		if r.Path == path && r.Status == status {
			total += r.Items
		}
	}
	return total
}

// DeliveredNames counts how often each item name arrived in accepted requests on path.
func (f *Ingest) DeliveredNames(path string) map[string]int {
	names := map[string]int{}
	for _, r := range f.Requests() {
		if r.Path == path && r.Status == http.StatusOK {
			for _, n := range r.Names {
				names[n]++
			}
		}
	}
	return names
}

// RequestCount counts the requests on path, whatever the answer.
func (f *Ingest) RequestCount(path string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}
