// Command rosterbench is Roster's end-to-end benchmark: it seeds (or reuses)
// a database, starts the real roster binary on loopback and drives each
// scenario of issue 6 at a fixed number of connections, next to a bare
// net/http floor serving the same number of bytes. It prints a Markdown
// table for BENCHMARKS.md.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is the roster process under test.
type server struct {
	cmd   *exec.Cmd
	url   string
	debug string // the server's /debug/pprof/ address
}

func start(bin, db string, args ...string) (*server, error) {
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--debug-addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan [2]string, 1)
	go func() {
		listening := regexp.MustCompile(`msg="roster listening" addr=(\S+)`)
		debug := regexp.MustCompile(`msg="debug listening" addr=(\S+)`)
		var dbg string
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := debug.FindStringSubmatch(sc.Text()); m != nil {
				dbg = m[1]
			}
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- [2]string{m[1], dbg}
			}
		}
	}()
	select {
	case u := <-addr:
		return &server{cmd: cmd, url: u[0], debug: u[1]}, nil
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, errors.New("roster did not start within 30s")
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

// rss and hwm read the server's resident memory now and at its peak, in MiB.
func (s *server) rss() float64 { return procStatus(s.cmd.Process.Pid, "VmRSS:") }

func (s *server) hwm() float64 { return procStatus(s.cmd.Process.Pid, "VmHWM:") }

func procStatus(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func client(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
}

func getJSON(r *http.Request, v any) error { return fetchJSON(r, http.StatusOK, v) }

// fetchJSON sends r and decodes its JSON answer, which must have status.
func fetchJSON(r *http.Request, status int, v any) error {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		return fmt.Errorf("%s: %s", r.URL, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// signIn signs the console client in, CSRF token included.
func signIn(c *http.Client, base, user, pw string) error {
	resp, err := c.Get(base + "/login")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`).FindSubmatch(body)
	if m == nil {
		return errors.New("no CSRF token on the sign-in page")
	}
	resp, err = c.PostForm(base+"/login", url.Values{"username": {user}, "password": {pw}, "_csrf": {string(m[1])}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("console sign-in: %s", resp.Status)
	}
	return nil
}

func responseSize(c *http.Client, r *http.Request) (int, error) {
	resp, err := c.Do(r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return 0, fmt.Errorf("%s: %s %.200s", r.URL.Path, resp.Status, b)
	}
	return len(b), nil
}
