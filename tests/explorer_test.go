package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/itsm-graph/itsm/app"
)

// The canvas paints these (web/src/graph.ts).
const (
	paintDown     = "rgb(214,40,40)"
	paintDegraded = "rgb(247,127,0)"
	paintFailed   = "rgb(17,24,39)"
	paintActive   = "rgb(76,159,112)"
	// Only where no impact colour covers it.
	paintMaintenance = "rgb(214,163,0)"
)

// explorerWorld is the estate the explorer tests walk: a payment chain up
// to the business, a pool that one failure degrades, and a switch with
// more neighbours than the page draws at once.
func explorerWorld(t *testing.T, e *env) *world {
	t.Helper()
	w := newWorld(t, e)
	w.build(t,
		"bu:Sales CONSUMES bs:Webshop",
		"bs:Webshop SUPPORTS bp:Ordering",
		"bs:Webshop DEPENDS_ON ts:Checkout",
		"ts:Checkout DEPENDS_ON pay-app",
		"pay-app RUNS_ON pay-vm",
		"pay-vm HOSTED_ON pay-host",
		"web1 MEMBER_OF pool1:web-pool",
		"web2 MEMBER_OF web-pool",
		"web1 HOSTED_ON pay-host",
		"shop-app RUNS_ON web-pool",
		"pay-host CONNECTS_TO big-switch",
	)
	for i := range 200 {
		w.build(t, fmt.Sprintf("leaf-%03d CONNECTS_TO big-switch", i))
	}
	return w
}

// TestExplorerInABrowser drives the explorer page in headless Chromium
// against the real server and Neo4j, as an analyst would: sign in, search,
// expand, focus, the impact overlay with its counts and colours, a what-if
// of two failures, a path, a live incident, the bound on a big
// neighbourhood, and a deep link opened in another tab. Every action must
// cost one GraphQL request, and the page may reach nothing but the server.
func TestExplorerInABrowser(t *testing.T) {
	needBuild(t)
	e := newEnv(t, app.Limits{WebDir: webDir})
	w := explorerWorld(t, e)
	e.createUser(t, map[string]any{"username": "ana.lyst", "displayName": "Ana Lyst", "roles": []string{"ANALYST"}, "password": "a-long-enough-password"})
	b := newBrowser(t, e.url)
	id := w.id
	// Each step starts where the one before left the page.
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("sign in", func(t *testing.T) {
		b.t = t
		b.run("opening the page", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible("#signin-form", chromedp.ByQuery))
		b.act("signing in",
			chromedp.SendKeys("#username", "ana.lyst", chromedp.ByQuery),
			chromedp.SendKeys("#password", "wrong-password-here", chromedp.ByQuery),
			chromedp.Click("#signin-button", chromedp.ByQuery),
		)
		b.wait("the refusal", `document.querySelector("#signin-error").textContent.length > 0`)
		if !strings.Contains(strings.ToLower(b.text("#signin-error")), "password") {
			t.Errorf("a wrong password says %q", b.text("#signin-error"))
		}
		b.act("signing in",
			chromedp.Evaluate(`document.querySelector("#password").value = ""`, nil),
			chromedp.SendKeys("#password", "a-long-enough-password", chromedp.ByQuery),
			chromedp.Click("#signin-button", chromedp.ByQuery),
		)
		b.run("the explorer", chromedp.WaitVisible("#search", chromedp.ByQuery))
		if who := b.text("#who"); !strings.Contains(who, "Ana Lyst") {
			t.Errorf("signed in as %q, want Ana Lyst", who)
		}
		var stored bool
		b.eval(`sessionStorage.getItem("itsm.token") !== null && localStorage.length === 0`, &stored)
		if !stored {
			t.Error("the token is not kept in sessionStorage only")
		}
	})

	step("names are text, never markup", func(t *testing.T) {
		b.t = t
		evil := e.createCI(t, map[string]any{"name": `evil <img src=x onerror="window.pwned=1">`, "type": "SERVER", "status": "ACTIVE"})
		b.run("typing", chromedp.SendKeys("#search", "evil", chromedp.ByQuery))
		b.wait("hits", `document.querySelectorAll("#hits .hit").length > 0`)
		b.act("picking it", chromedp.Click(fmt.Sprintf(`#hits .hit[data-id=%q]`, evil.ID), chromedp.ByQuery))
		var injected bool
		b.eval(`window.pwned !== undefined || document.querySelector("#panel img, #hits img") !== null`, &injected)
		if injected {
			t.Error("a CI's name was parsed as HTML")
		}
		if got := b.text("#panel-title"); got != evil.Name {
			t.Errorf("the panel shows %q, want the name as typed", got)
		}
		b.run("clearing the search", chromedp.Evaluate(`document.querySelector("#search").value = ""`, nil))
	})

	step("search and focus", func(t *testing.T) {
		b.t = t
		b.run("typing", chromedp.SendKeys("#search", "pay-h", chromedp.ByQuery))
		b.wait("hits", `document.querySelectorAll("#hits .hit").length > 0`)
		if got := b.text("#hits"); !strings.Contains(got, "pay-host") {
			t.Fatalf("searching pay-h lists %q", got)
		}
		n := b.act("picking pay-host", chromedp.Click(fmt.Sprintf(`#hits .hit[data-id=%q]`, id(t, "pay-host")), chromedp.ByQuery))
		if n != 1 {
			t.Errorf("focusing sent %d requests, want 1", n)
		}
		equalStrings(t, "drawn", b.drawn(), sortedStrings(w.idsOf(t, "pay-host", "pay-vm", "web1", "big-switch")...))
		if got := b.text("#panel-title"); got != "pay-host" {
			t.Errorf("panel shows %q", got)
		}
		if got := b.colour(id(t, "pay-host")); got != paintActive {
			t.Errorf("an ACTIVE CI is painted %s, want %s", got, paintActive)
		}
		b.shot("focus")
	})

	step("click expands, double-click focuses", func(t *testing.T) {
		b.t = t
		n := b.act("clicking pay-vm", b.click(id(t, "pay-vm")))
		if n != 1 {
			t.Errorf("expanding sent %d requests, want 1", n)
		}
		if !slices.Contains(b.drawn(), id(t, "pay-app")) {
			t.Fatalf("expanding pay-vm did not draw pay-app: %v", b.drawn())
		}
		if got := b.text("#panel-title"); got != "pay-vm" {
			t.Errorf("panel shows %q after the click", got)
		}
		n = b.act("the panel's Focus", chromedp.Click("#act-focus", chromedp.ByQuery))
		if n != 1 {
			t.Errorf("focusing from the panel sent %d requests, want 1", n)
		}
		equalStrings(t, "drawn around pay-vm", b.drawn(), sortedStrings(w.idsOf(t, "pay-vm", "pay-app", "pay-host")...))
		x, y := b.nodePoint(id(t, "pay-app"))
		n = b.act("double-clicking pay-app", chromedp.MouseClickXY(x, y), chromedp.MouseClickXY(x, y))
		if n != 1 {
			t.Errorf("focusing by double-click sent %d requests, want 1", n)
		}
		equalStrings(t, "drawn around pay-app", b.drawn(), sortedStrings(w.idsOf(t, "pay-app", "pay-vm", "Checkout")...))
		var loc string
		b.eval("location.search", &loc)
		if !strings.Contains(loc, "item="+id(t, "pay-app")) {
			t.Errorf("the URL does not name the focus: %q", loc)
		}
		b.act("two hops", chromedp.Evaluate(`(() => { const s = document.querySelector("#depth"); s.value = "2"; s.dispatchEvent(new Event("change")); })()`, nil))
		equalStrings(t, "drawn within 2 hops of pay-app", b.drawn(), sortedStrings(w.idsOf(t, "pay-app", "pay-vm", "Checkout", "pay-host", "Webshop")...))
		b.act("only RUNS_ON", chromedp.Evaluate(`(() => {
			for (const c of document.querySelectorAll("#types input")) c.checked = c.value === "RUNS_ON";
			document.querySelector("#types input").dispatchEvent(new Event("change"));
		})()`, nil))
		equalStrings(t, "drawn across RUNS_ON", b.drawn(), sortedStrings(w.idsOf(t, "pay-app", "pay-vm")...))
		b.act("every type", chromedp.Evaluate(`(() => {
			for (const c of document.querySelectorAll("#types input")) c.checked = true;
			document.querySelector("#types input").dispatchEvent(new Event("change"));
		})()`, nil))
	})

	step("impact overlay", func(t *testing.T) {
		b.t = t
		b.act("focusing pay-host", chromedp.Evaluate(fmt.Sprintf(`history.pushState(null, "", "/?item=%s"); dispatchEvent(new PopStateEvent("popstate"))`, id(t, "pay-host")), nil))
		want := w.impact(t, nil, "pay-host")
		if want.Counts.Total < 6 || want.Counts.Degraded == 0 {
			t.Fatalf("the world does not exercise the overlay: %+v", want.Counts)
		}
		n := b.act("failing pay-host", chromedp.Click("#act-fail", chromedp.ByQuery))
		if n != 1 {
			t.Errorf("the impact overlay sent %d requests, want 1", n)
		}
		var counts map[string]string
		b.eval(`Object.assign({}, document.querySelector("#impact-counts").dataset)`, &counts)
		if counts["total"] != fmt.Sprint(want.Counts.Total) || counts["down"] != fmt.Sprint(want.Counts.Down) || counts["degraded"] != fmt.Sprint(want.Counts.Degraded) {
			t.Errorf("the page counts %v, the API %+v", counts, want.Counts)
		}
		for _, i := range want.Impacted {
			paint := map[string]string{"DOWN": paintDown, "DEGRADED": paintDegraded}[i.Severity]
			if got := b.colour(i.Item.ID); got != paint {
				t.Errorf("%s (%s) is painted %s, want %s", i.Item.Name, i.Severity, got, paint)
			}
		}
		if got := b.colour(id(t, "pay-host")); got != paintFailed {
			t.Errorf("the failed item is painted %s, want %s", got, paintFailed)
		}
		for _, name := range []string{"Webshop", "Ordering", "Sales"} {
			if !strings.Contains(b.text("#impact"), name) {
				t.Errorf("the business hit does not name %s: %q", name, b.text("#impact"))
			}
		}
		x, y := b.nodePoint(id(t, "Checkout"))
		b.run("hovering Checkout", chromedp.MouseEvent("mouseMoved", x, y))
		b.wait("the explanation", `document.querySelector("#explain").textContent.length > 0`)
		if got := b.text("#explain"); !strings.Contains(got, "pay-app —RUNS_ON→ pay-vm") || !strings.Contains(got, "Checkout is down at 3 hops") {
			t.Errorf("hovering Checkout explains %q", got)
		}
		b.shot("impact")

		// What if the pool's other member fails too: the pool goes down.
		b.act("expanding web-pool", b.click(id(t, "web-pool")))
		b.act("selecting web2", b.click(id(t, "web2")))
		b.act("failing web2 too", chromedp.Click("#act-fail-too", chromedp.ByQuery))
		both := w.impact(t, nil, "pay-host", "web2")
		b.eval(`Object.assign({}, document.querySelector("#impact-counts").dataset)`, &counts)
		if counts["total"] != fmt.Sprint(both.Counts.Total) || counts["down"] != fmt.Sprint(both.Counts.Down) {
			t.Errorf("with two failures the page counts %v, the API %+v", counts, both.Counts)
		}
		if got := b.colour(id(t, "web-pool")); got != paintDown {
			t.Errorf("web-pool with both members failed is painted %s, want %s", got, paintDown)
		}
	})

	step("path", func(t *testing.T) {
		b.t = t
		b.act("selecting Checkout", b.click(id(t, "Checkout")))
		b.run("path from here", chromedp.Click("#act-path-from", chromedp.ByQuery))
		b.act("selecting pay-host", b.click(id(t, "pay-host")))
		n := b.act("path to here", chromedp.Click("#act-path-to", chromedp.ByQuery))
		if n != 1 {
			t.Errorf("the path sent %d requests, want 1", n)
		}
		if got := b.text("#path-list"); !strings.Contains(got, "Checkout → pay-app → pay-vm → pay-host") {
			t.Errorf("the paths read %q", got)
		}
		var onPath []string
		b.eval(`window.itsmExplorer.cy.nodes(".path").map(n => n.data("name")).sort()`, &onPath)
		equalStrings(t, "highlighted", onPath, []string{"Checkout", "pay-app", "pay-host", "pay-vm"})
		b.shot("path")
	})

	step("live incident", func(t *testing.T) {
		b.t = t
		start := time.Now()
		inc, _ := e.createIncident(t, e.agent, map[string]any{"shortDescription": "payments time out", "callerId": subjCaller,
			"configurationItemIds": w.idsOf(t, "pay-vm"), "impact": "HIGH", "urgency": "HIGH"})
		answered := time.Now()
		b.wait("the incident on the page", fmt.Sprintf(`window.itsmExplorer.live.some(l => l.includes(%q))`, inc.Number))
		t.Logf("an incident opened on a drawn item showed %v after the mutation was answered (%v after it was sent)",
			time.Since(answered).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		var alert bool
		b.eval(fmt.Sprintf(`window.itsmExplorer.cy.getElementById(%q).hasClass("alert")`, id(t, "pay-vm")), &alert)
		if !alert {
			t.Error("pay-vm is not marked after an incident was opened on it")
		}
		b.act("selecting pay-vm", b.click(id(t, "pay-vm")))
		if got := b.text(`[data-section="incidents"]`); !strings.Contains(got, inc.Number) {
			t.Errorf("pay-vm's open incidents read %q, want %s", got, inc.Number)
		}

		// A change planned on a drawn item is heard too.
		from, to := window(time.Now().UTC().Truncate(time.Hour), 2, 1, 2)
		chg := e.createChange(t, newChangeTeam(t, e).requester, normalChange("Patch the payment VM", w.idsOf(t, "pay-vm"), from, to))
		b.wait("the change on the page", fmt.Sprintf(`window.itsmExplorer.live.some(l => l.includes(%q) && l.includes("pay-vm"))`, chg.Number))

		// A drawn CI put into maintenance changes colour without a reload.
		var sw struct {
			CI ciData `json:"configurationItem"`
		}
		e.ok(t, e.cm, `query($id: ID!) { configurationItem(id: $id) { id version } }`, map[string]any{"id": id(t, "big-switch")}, &sw)
		e.updateCI(t, map[string]any{"id": sw.CI.ID, "expectedVersion": sw.CI.Version, "status": "MAINTENANCE"})
		b.wait("big-switch in maintenance", fmt.Sprintf(`window.itsmExplorer.cy.getElementById(%q).data("status") === "MAINTENANCE"`, sw.CI.ID))
		if got := b.colour(sw.CI.ID); got != paintMaintenance {
			t.Errorf("big-switch in maintenance is painted %s, want %s", got, paintMaintenance)
		}
		b.shot("live")
	})

	var deepLink string
	step("deep link", func(t *testing.T) {
		b.t = t
		b.eval("location.href", &deepLink)
		for _, want := range []string{"item=", "fail=" + id(t, "pay-host") + "%2C" + id(t, "web2"), "path=" + id(t, "Checkout") + "%2C" + id(t, "pay-host")} {
			if !strings.Contains(deepLink, want) {
				t.Errorf("the URL %q lacks %q", deepLink, want)
			}
		}
		other := newBrowser(t, e.url)
		other.run("opening the link", chromedp.Navigate(deepLink), chromedp.WaitVisible("#token-form", chromedp.ByQuery))
		other.act("pasting a token", chromedp.SendKeys("#token", e.analyst, chromedp.ByQuery), chromedp.Click("#token-button", chromedp.ByQuery))
		other.wait("the view named by the link", `document.querySelector("#path-list") !== null && document.body.dataset.busy === "0"`)
		var counts map[string]string
		other.eval(`Object.assign({}, document.querySelector("#impact-counts").dataset)`, &counts)
		both := w.impact(t, nil, "pay-host", "web2")
		if counts["total"] != fmt.Sprint(both.Counts.Total) {
			t.Errorf("the link's impact counts %v, want total %d", counts, both.Counts.Total)
		}
		if got := other.colour(id(t, "web-pool")); got != paintDown {
			t.Errorf("the link paints web-pool %s", got)
		}
		if got := other.text("#path-list"); !strings.Contains(got, "Checkout → pay-app → pay-vm → pay-host") {
			t.Errorf("the link's paths read %q", got)
		}
		other.shot("deep-link")
	})

	step("big neighbourhood is bounded", func(t *testing.T) {
		b.t = t
		b.run("clearing the overlays", chromedp.Click("#clear-impact", chromedp.ByQuery), chromedp.Click("#clear-paths", chromedp.ByQuery))
		b.run("searching", chromedp.Evaluate(`document.querySelector("#search").value = ""`, nil), chromedp.SendKeys("#search", "big-switch\r", chromedp.ByQuery))
		b.wait("hits", fmt.Sprintf(`document.querySelector('#hits .hit[data-id=%q]') !== null`, id(t, "big-switch")))
		n := b.act("focusing big-switch", chromedp.Click(fmt.Sprintf(`#hits .hit[data-id=%q]`, id(t, "big-switch")), chromedp.ByQuery))
		if n != 1 {
			t.Errorf("focusing sent %d requests, want 1", n)
		}
		if got := len(b.drawn()); got != 151 {
			t.Errorf("big-switch with 201 neighbours draws %d items, want the start and 150", got)
		}
		if got := b.text("#bound"); !strings.Contains(got, "Showing 150 of 201") {
			t.Errorf("the bound reads %q", got)
		}
		n = b.act("showing more", chromedp.Click("#show-more", chromedp.ByQuery))
		if n != 1 {
			t.Errorf("showing more sent %d requests, want 1", n)
		}
		if got := len(b.drawn()); got != 202 {
			t.Errorf("after show more %d items are drawn, want 202", got)
		}
		t.Logf("first render of a 202-item neighbourhood (request, drawing, layout): %d ms", b.probe("lastRenderMs"))
		b.shot("bounded")
	})

	if off := b.offsite(); len(off) > 0 {
		t.Errorf("the page reached beyond the server: %v", off)
	}
}

// TestPagesLoadWithNoNetworkButLoopback: the explorer and GraphiQL come
// whole from the server's build; with every other host unreachable both
// load and work (GraphiQL runs a query with the explorer's token) and ask
// nothing of anyone else.
func TestPagesLoadWithNoNetworkButLoopback(t *testing.T) {
	needBuild(t)
	e := newEnv(t, app.Limits{WebDir: webDir, Introspection: true})
	b := newBrowser(t, e.url)
	b.run("opening the explorer", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible("#signin-form", chromedp.ByQuery))
	b.act("pasting a token", chromedp.SendKeys("#token", e.analyst, chromedp.ByQuery), chromedp.Click("#token-button", chromedp.ByQuery))
	b.run("the explorer", chromedp.WaitVisible("#search", chromedp.ByQuery))

	b.run("opening GraphiQL", chromedp.Navigate(e.url+"/graphiql"), chromedp.WaitVisible(".graphiql-container", chromedp.ByQuery))
	b.run("running the first query", chromedp.WaitVisible(".graphiql-execute-button", chromedp.ByQuery), chromedp.Click(".graphiql-execute-button", chromedp.ByQuery))
	b.wait("the answer", `document.querySelector(".result-window") && document.querySelector(".result-window").textContent.includes("e2e-analyst")`)
	b.shot("graphiql")
	if off := b.offsite(); len(off) > 0 {
		t.Errorf("the pages reached beyond the server: %v", off)
	}
}

// TestPagesWithoutABuild: without a build the API still serves, and both
// pages say how to make one, under the same headers.
func TestPagesWithoutABuild(t *testing.T) {
	e := newEnv(t, app.Limits{WebDir: t.TempDir()})
	for _, path := range []string{"/", "/graphiql"} {
		resp, body := e.get(t, e.url, path, "")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "make web") {
			t.Errorf("GET %s without a build = %d, %.300s", path, resp.StatusCode, body)
		}
		checkPageHeaders(t, resp.Header)
	}
	if resp, _ := e.get(t, e.url, "/assets/explorer.js", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an asset without a build = %d, want 404", resp.StatusCode)
	}
	var me struct {
		Me struct{ Subject string } `json:"me"`
	}
	e.ok(t, e.analyst, `{ me { subject } }`, nil, &me)
	if me.Me.Subject != subjAnalyst {
		t.Errorf("the API without pages answers %+v", me)
	}
}

// TestBuiltPagesAndAssets: the built pages carry their headers, assets may
// be cached for good (their names change with their content), and the
// assets folder lists nothing.
func TestBuiltPagesAndAssets(t *testing.T) {
	needBuild(t)
	e := newEnv(t, app.Limits{WebDir: webDir})
	for _, path := range []string{"/", "/graphiql"} {
		resp, body := e.get(t, e.url, path, "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `<script type="module"`) {
			t.Fatalf("GET %s = %d, %.300s", path, resp.StatusCode, body)
		}
		checkPageHeaders(t, resp.Header)
		if strings.Contains(string(body), "https://") {
			t.Errorf("%s names another site: %.500s", path, body)
		}
		asset := strings.SplitN(strings.SplitN(string(body), `src="/assets/`, 2)[1], `"`, 2)[0]
		a, js := e.get(t, e.url, "/assets/"+asset, "")
		if a.StatusCode != http.StatusOK || len(js) == 0 || !strings.Contains(a.Header.Get("Content-Type"), "javascript") {
			t.Errorf("GET /assets/%s = %d, %s", asset, a.StatusCode, a.Header.Get("Content-Type"))
		}
		if got := a.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
			t.Errorf("asset Cache-Control = %q", got)
		}
	}
	for _, path := range []string{"/assets/", "/assets/nothing.js"} {
		if resp, _ := e.get(t, e.url, path, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}

// checkPageHeaders: the pages run only their own scripts, talk only to
// this origin, cannot be framed and send no referrer.
func checkPageHeaders(t *testing.T, h http.Header) {
	t.Helper()
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want DENY", got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", got)
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || strings.Contains(csp, "'unsafe-eval'") {
		t.Errorf("Content-Security-Policy %q lets inline script or eval run", csp)
	}
}
