// Go reference rows for BENCHMARKS.md: silenceper/wechat (the Go SDK our users migrate from)
// against raw net/http, same emulator, same workloads. Prints one JSON object per row.
//
// Usage: bench-go URL SECONDS
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2"
	"github.com/silenceper/wechat/v2/cache"
	offConfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

const (
	appID  = "wxemulator0000001"
	secret = "emulator_secret"
	user   = "oBENCH_user_0001"
)

// redirect sends the SDK's fixed https://api.weixin.qq.com URLs to the emulator.
type redirect struct {
	target *url.URL
	next   http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	req.URL.Scheme = r.target.Scheme
	req.URL.Host = r.target.Host
	req.Host = r.target.Host
	return r.next.RoundTrip(req)
}

type call func(i int) error

func cell(runtime, contender, workload string, conc int, seconds float64, f call) map[string]any {
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	start := time.Now()
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for i := w * 1_000_000_000; time.Now().Before(deadline); i++ {
				t := time.Now()
				if err := f(i); err != nil {
					bad++
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errors += bad
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	return map[string]any{"runtime": runtime, "contender": contender, "workload": workload, "concurrency": conc,
		"calls": len(lat), "errors": errors, "calls_per_sec": float64(len(lat)) / elapsed,
		"p50_ms": pct(0.5), "p99_ms": pct(0.99)}
}

func okBody(b []byte) error {
	var v struct {
		Errcode int `json:"errcode"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Errcode != 0 {
		return fmt.Errorf("errcode %d", v.Errcode)
	}
	return nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: bench-go URL SECONDS")
		os.Exit(2)
	}
	base, err := url.Parse(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	seconds, _ := strconv.ParseFloat(os.Args[2], 64)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	util.DefaultHTTPClient = &http.Client{Transport: redirect{base, transport}}

	oa := wechat.NewWechat().GetOfficialAccount(&offConfig.Config{
		AppID: appID, AppSecret: secret, Cache: cache.NewMemory(), UseStableAK: true,
	})
	kf := oa.GetCustomerServiceManager()
	msgs := oa.GetCustomerMessageManager()

	raw := &http.Client{Transport: transport}
	body, _ := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": appID, "secret": secret})
	resp, err := raw.Post(base.String()+"/cgi-bin/stable_token", "application/json", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	rawGet := func(int) error {
		r, err := raw.Get(base.String() + "/cgi-bin/customservice/getkflist?access_token=" + tok.AccessToken)
		if err != nil {
			return err
		}
		defer r.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		return okBody(b.Bytes())
	}
	rawSend := func(i int) error {
		payload, _ := json.Marshal(map[string]any{"touser": user, "msgtype": "text",
			"text": map[string]string{"content": fmt.Sprintf("bench %d", i)}})
		r, err := raw.Post(base.String()+"/cgi-bin/message/custom/send?access_token="+tok.AccessToken,
			"application/json; charset=utf-8", bytes.NewReader(payload))
		if err != nil {
			return err
		}
		defer r.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		return okBody(b.Bytes())
	}
	sdkGet := func(int) error { _, err := kf.List(); return err }
	sdkSend := func(i int) error {
		return msgs.Send(message.NewCustomerTextMessage(user, fmt.Sprintf("bench %d", i)))
	}

	out := json.NewEncoder(os.Stdout)
	for _, w := range []struct {
		name     string
		raw, sdk call
	}{{"get_kf_list", rawGet, sdkGet}, {"send_text", rawSend, sdkSend}} {
		for _, conc := range []int{1, 32} {
			for _, c := range []struct {
				name string
				f    call
			}{{"raw net/http", w.raw}, {"silenceper/wechat", w.sdk}} {
				cell("go", c.name, w.name, conc, seconds/10, c.f) // warm-up
				_ = out.Encode(cell("go", c.name, w.name, conc, seconds, c.f))
			}
		}
	}
}
