package semanticfindingsextension

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The page's URLs. jsonPath is the stable URL of the JSON form.
const (
	pagePath   = "/findings"
	jsonPath   = "/findings.json"
	scriptPath = "/findings.js"
)

// Bounds on requests: the query is checked before it is parsed, and renders
// (each copies the matching rows) run at most maxConcurrentRenders at a time;
// further requests get 503 at once rather than queueing memory.
const (
	maxQueryBytes        = 1024
	maxConcurrentRenders = 4
)

var (
	//go:embed page.html.tmpl
	pageSource string
	//go:embed findings.js
	pageScript []byte
	pageTmpl   = template.Must(template.New("page").Funcs(template.FuncMap{
		"columns":   func() []column { return columns },
		"levelRank": levelRank,
		"jsonURL":   func(q query) string { return jsonPath + "?" + q.encode() },
	}).Parse(pageSource))
)

// sortKeys are the columns a request may sort by (?sort=), server-side.
var sortKeys = map[string]func(a, b *Row) int{
	"service":    func(a, b *Row) int { return strings.Compare(a.Service, b.Service) },
	"metric":     func(a, b *Row) int { return strings.Compare(a.Metric, b.Metric) },
	"unit":       func(a, b *Row) int { return strings.Compare(a.Unit, b.Unit) },
	"rule":       func(a, b *Row) int { return strings.Compare(a.Rule, b.Rule) },
	"level":      func(a, b *Row) int { return cmp.Compare(levelRank(a.Level), levelRank(b.Level)) },
	"detail":     func(a, b *Row) int { return strings.Compare(a.Detail, b.Detail) },
	"action":     func(a, b *Row) int { return strings.Compare(a.Action, b.Action) },
	"normalize":  func(a, b *Row) int { return strings.Compare(a.Normalize, b.Normalize) },
	"count":      func(a, b *Row) int { return cmp.Compare(b.Count, a.Count) }, // most first
	"first_seen": func(a, b *Row) int { return a.FirstSeen.Compare(b.FirstSeen) },
	"last_seen":  func(a, b *Row) int { return b.LastSeen.Compare(a.LastSeen) }, // latest first
}

// column is a table column: its ?sort= key, title and natural direction.
type column struct{ Key, Title, Dir string }

var columns = []column{
	{"service", "service.name", "ascending"}, {"metric", "metric", "ascending"}, {"unit", "unit", "ascending"},
	{"rule", "rule", "ascending"}, {"level", "level", "ascending"}, {"detail", "what is wrong; suggested fix", "ascending"},
	{"action", "action taken", "ascending"}, {"normalize", "what normalize does (or would)", "ascending"},
	{"count", "count", "descending"}, {"first_seen", "first seen (UTC)", "ascending"}, {"last_seen", "last seen (UTC)", "descending"},
}

// levels are the processor's levels, most severe first.
var levels = []string{"violation", "improvement", "information"}

func levelRank(l string) int {
	if i := slices.Index(levels, l); i >= 0 {
		return i
	}
	return len(levels)
}

// query is a request's filter and order: ?service=&level=&sort=.
type query struct {
	Service, Level, Sort string
}

func parseQuery(raw string) (query, bool) {
	if len(raw) > maxQueryBytes {
		return query{}, false
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return query{}, false
	}
	q := query{Service: v.Get("service"), Level: v.Get("level"), Sort: v.Get("sort")}
	if len(q.Service) > maxFieldBytes || (q.Level != "" && !slices.Contains(levels, q.Level)) {
		return query{}, false
	}
	if _, ok := sortKeys[q.Sort]; !ok {
		q.Sort = "level"
	}
	return q, true
}

// encode is q as a query string (for the JSON link of the page).
func (q query) encode() string {
	v := url.Values{}
	for k, s := range map[string]string{"service": q.Service, "level": q.Level, "sort": q.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

func (q query) keep(r *Row) bool {
	return (q.Service == "" || r.Service == q.Service) && (q.Level == "" || r.Level == q.Level)
}

// order sorts by the requested column, then by level, service, metric, rule.
func (q query) order(rows []Row) {
	by := sortKeys[q.Sort]
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(by(&a, &b), sortKeys["level"](&a, &b), strings.Compare(a.Service, b.Service),
			strings.Compare(a.Metric, b.Metric), strings.Compare(a.Unit, b.Unit), strings.Compare(a.Rule, b.Rule))
	})
}

type page struct {
	store   *Store
	renders chan struct{}
	now     func() time.Time
}

func newPage(store *Store) http.Handler {
	p := &page{store: store, renders: make(chan struct{}, maxConcurrentRenders), now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, pagePath, http.StatusFound)
	})
	mux.HandleFunc("GET "+pagePath, p.serve(p.writeHTML))
	mux.HandleFunc("GET "+jsonPath, p.serve(p.writeJSON))
	mux.HandleFunc("GET "+scriptPath, func(w http.ResponseWriter, _ *http.Request) {
		securityHeaders(w)
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write(pageScript)
	})
	return mux
}

// view is what one request shows.
type view struct {
	Query     query
	Rows      []Row
	Total     int // rows in the store (before the filter)
	Services  []string
	Levels    []string
	Evicted   int64
	Generated time.Time
}

func (p *page) serve(write func(http.ResponseWriter, *view)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		q, ok := parseQuery(r.URL.RawQuery)
		if !ok {
			http.Error(w, "bad query: use ?service=<service.name>&level=violation|improvement|information&sort=<column>, at most 1024 bytes", http.StatusBadRequest)
			return
		}
		select {
		case p.renders <- struct{}{}:
			defer func() { <-p.renders }()
		default:
			http.Error(w, "busy: too many concurrent renders; retry", http.StatusServiceUnavailable)
			return
		}
		all, evicted := p.store.Snapshot()
		rows := slices.DeleteFunc(slices.Clone(all), func(r Row) bool { return !q.keep(&r) })
		q.order(rows)
		write(w, &view{Query: q, Rows: rows, Total: len(all), Services: services(all), Levels: levels,
			Evicted: evicted, Generated: p.now().UTC()})
	}
}

func services(rows []Row) []string {
	out := make([]string, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].Service)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *page) writeHTML(w http.ResponseWriter, v *view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTmpl.Execute(w, v)
}

// jsonView is the JSON form: the same rows, filter and order as the page.
type jsonView struct {
	Generated time.Time `json:"generated"`
	Service   string    `json:"service,omitempty"`
	Level     string    `json:"level,omitempty"`
	Sort      string    `json:"sort"`
	Total     int       `json:"total"`
	Evicted   int64     `json:"evicted"`
	Findings  []Row     `json:"findings"`
}

func (p *page) writeJSON(w http.ResponseWriter, v *view) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(jsonView{Generated: v.Generated, Service: v.Query.Service, Level: v.Query.Level,
		Sort: v.Query.Sort, Total: v.Total, Evicted: v.Evicted, Findings: v.Rows})
}

// securityHeaders: the page runs only its own script, is never framed, and is
// not cached (it names every service and metric seen).
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
}
