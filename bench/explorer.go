package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

// webDir is the explorer's build, as scripts/bench leaves it (make web).
const webDir = "web/dist"

const (
	// explorerSamples is how many renders the explorer measurement times.
	explorerSamples = 20
	// explorerItems is how many items the measured neighbourhood draws
	// besides its centre: the speed goal speaks of 200.
	explorerItems = 200
)

// ExplorerResult measures the explorer page in headless Chromium on
// loopback: the first render of a neighbourhood (from the action to a
// drawn and laid-out canvas: the GraphQL request, the drawing and the
// layout), against the page's request alone as the browser timed it.
type ExplorerResult struct {
	// Skipped says why nothing was measured (no Chromium, no build).
	Skipped string `json:"skipped,omitempty"`
	// Items is how many items the canvas held, the centre included.
	Items   int     `json:"items"`
	Render  Latency `json:"render"`
	Request Latency `json:"request"`
	// RenderOverRequestP50 is what drawing adds to the request.
	RenderOverRequestP50 float64 `json:"renderOverRequestP50"`
}

// measureExplorer opens the explorer on the neighbourhood of id (a hub,
// cut at explorerItems) and times its renders, each a focus as a user's
// back button makes it.
func (b *bench) measureExplorer(ctx context.Context, base, token, id string) (ExplorerResult, error) {
	var res ExplorerResult
	if _, err := os.Stat(filepath.Join(webDir, "index.html")); err != nil {
		res.Skipped = "the web pages are not built (make web)"
		return res, nil
	}
	browser := os.Getenv("CHROMIUM")
	if browser == "" {
		browser, _ = exec.LookPath("chromium")
	}
	if browser == "" {
		res.Skipped = "no Chromium (set CHROMIUM, or install Debian's chromium)"
		return res, nil
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 900),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	// Three hops from the hub reach more than explorerItems on every
	// estate but the smallest; the page draws the nearest explorerItems.
	link := fmt.Sprintf("/?item=%s&kind=CONFIGURATION_ITEM&depth=3&limit=%d", url.QueryEscape(id), explorerItems)
	// Signing in is not timed: the token goes where the sign-in form puts it.
	if err := chromedp.Run(tab,
		chromedp.Navigate(base+"/"),
		chromedp.Evaluate(fmt.Sprintf(`sessionStorage.setItem("itsm.token", %q)`, token), nil),
		chromedp.Navigate(base+link),
	); err != nil {
		return res, err
	}
	var render, request []time.Duration
	for i := range explorerSamples + b.o.warmup {
		var done int
		if err := chromedp.Run(tab, chromedp.Poll(`window.itsmExplorer && window.itsmExplorer.busy === 0 && window.itsmExplorer.done > 0`, nil, chromedp.WithPollingTimeout(time.Minute)),
			chromedp.Evaluate(`window.itsmExplorer.done`, &done),
			chromedp.Evaluate(`performance.clearResourceTimings(); dispatchEvent(new PopStateEvent("popstate"))`, nil),
			chromedp.Poll(fmt.Sprintf(`window.itsmExplorer.done > %d && window.itsmExplorer.busy === 0`, done), nil, chromedp.WithPollingTimeout(time.Minute)),
		); err != nil {
			return res, err
		}
		var m struct {
			Render  float64 `json:"render"`
			Request float64 `json:"request"`
			Items   int     `json:"items"`
			Error   string  `json:"error"`
		}
		if err := chromedp.Run(tab, chromedp.Evaluate(`({
			render: window.itsmExplorer.lastRenderMs,
			request: performance.getEntriesByName(location.origin + "/graphql").pop().duration,
			items: window.itsmExplorer.cy.nodes().length,
			error: document.querySelector("#notice.error") ? document.querySelector("#notice").textContent : "",
		})`, &m)); err != nil {
			return res, err
		}
		if m.Error != "" {
			return res, fmt.Errorf("the explorer says: %s", m.Error)
		}
		res.Items = m.Items
		if i < b.o.warmup {
			continue
		}
		render = append(render, time.Duration(m.Render*float64(time.Millisecond)))
		request = append(request, time.Duration(m.Request*float64(time.Millisecond)))
	}
	res.Render, res.Request = summarize(render), summarize(request)
	res.RenderOverRequestP50 = res.Render.P50 / res.Request.P50
	return res, nil
}
