package tests

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// webDir is the build the browser tests drive; scripts/test builds it
// first (make web).
const webDir = "../web/dist"

// browser is one headless Chromium tab on the test server. It may reach
// loopback only: every other host name fails to resolve, as on a machine
// without internet, and every request the page makes is recorded.
type browser struct {
	t   *testing.T
	ctx context.Context
	// origin is the test server's; requests elsewhere are listed by offsite.
	origin   string
	mu       sync.Mutex
	requests []string
}

// chromium finds the browser: CHROMIUM (set by scripts/test, which
// installs Debian's chromium when missing), else one on the PATH. A
// missing browser fails the test, as a missing database does.
func chromium(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: run the tests with make test (scripts/browser installs Debian's chromium), or set CHROMIUM")
	return ""
}

// needBuild fails the test when the pages are not built.
func needBuild(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(webDir, "index.html")); err != nil {
		t.Fatalf("the web pages are not built (%v): run make web, or the tests through make test", err)
	}
}

// newBrowser opens a tab for the server at base; it closes with the test.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	// Not t.TempDir: Chromium's helpers may still write there for a moment
	// after the browser ends, which would fail the test at cleanup.
	profile, err := os.MkdirTemp("", "itsm-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 900),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		for range 10 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, origin: u.Scheme + "://" + u.Host}
	chromedp.ListenTarget(ctx, func(ev any) {
		if r, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, r.Request.URL)
			b.mu.Unlock()
		}
	})
	// The first Run starts the browser and ties it to its context: it must
	// be the tab's own, not one with a timeout, or the browser ends with it.
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

// run runs actions within a minute, failing the test with what on error.
func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression into out.
func (b *browser) eval(js string, out any) {
	b.t.Helper()
	b.run("evaluating "+js, chromedp.Evaluate(js, out))
}

// wait polls a JavaScript condition until it holds, for up to 20 s.
func (b *browser) wait(what, js string) {
	b.t.Helper()
	b.run("waiting for "+what, chromedp.Poll(js, nil, chromedp.WithPollingTimeout(20*time.Second)))
}

// probe reads a number the page keeps for tests (window.itsmExplorer).
func (b *browser) probe(field string) int {
	b.t.Helper()
	var n float64
	b.eval("window.itsmExplorer."+field, &n)
	return int(n)
}

// act performs one user action and waits until the page has finished
// with it; it returns how many GraphQL requests the action sent.
func (b *browser) act(what string, actions ...chromedp.Action) int {
	b.t.Helper()
	done, sent := b.probe("done"), b.requestsSent()
	b.run(what, actions...)
	b.wait(what+" to finish", fmt.Sprintf("window.itsmExplorer.done > %d && window.itsmExplorer.busy === 0", done))
	return b.requestsSent() - sent
}

func (b *browser) requestsSent() int {
	var n float64
	b.eval("window.itsmRequests || 0", &n)
	return int(n)
}

// nodePoint is where an item of the canvas is on the page.
func (b *browser) nodePoint(id string) (x, y float64) {
	b.t.Helper()
	var p []float64
	b.eval(fmt.Sprintf(`(() => {
		const n = window.itsmExplorer.cy.getElementById(%q);
		if (n.empty()) return [];
		const p = n.renderedPosition(), r = window.itsmExplorer.cy.container().getBoundingClientRect();
		return [r.left + p.x, r.top + p.y];
	})()`, id), &p)
	if len(p) != 2 {
		b.t.Fatalf("item %s is not drawn", id)
	}
	return p[0], p[1]
}

// click clicks an item of the canvas as a user does.
func (b *browser) click(id string) chromedp.Action {
	x, y := b.nodePoint(id)
	return chromedp.MouseClickXY(x, y)
}

// drawn lists the ids of the items on the canvas.
func (b *browser) drawn() []string {
	b.t.Helper()
	var ids []string
	b.eval(`window.itsmExplorer.cy.nodes().map(n => n.id()).sort()`, &ids)
	return ids
}

// colour is an item's fill as the canvas paints it.
func (b *browser) colour(id string) string {
	b.t.Helper()
	var c string
	b.eval(fmt.Sprintf(`window.itsmExplorer.cy.getElementById(%q).style("background-color")`, id), &c)
	return c
}

// text is the text of the first element matching a CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel), &s)
	return s
}

// shot writes a screenshot of the page as a test artefact, under
// TEST_ARTEFACTS (default .artefacts/ at the repository's root).
func (b *browser) shot(name string) {
	dir := os.Getenv("TEST_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", ".artefacts")
	}
	dir = filepath.Join(dir, "browser")
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "-")+"-"+name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.t.Logf("screenshot: %s", p)
}

// offsite lists the requests the page made anywhere but the test server.
func (b *browser) offsite() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		if strings.HasPrefix(u, b.origin+"/") || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") ||
			strings.HasPrefix(u, strings.Replace(b.origin, "http", "ws", 1)+"/") {
			continue
		}
		out = append(out, u)
	}
	return out
}
