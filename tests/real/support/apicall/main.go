// apicall: one GET to the API server with the bearer token read from stdin, for the real tier's
// rotation workloads. Their shell decides which token to send (re-read from the file, or cached in a
// variable); this only speaks TLS, which busybox's wget cannot with kube-apiserver: its TLS 1.2
// ClientHello has no signature_algorithms extension, which Go 1.25 and later refuse.
//
// Usage: apicall URL CAFILE < token. Prints the HTTP status code; exit 0 on 2xx, 1 otherwise.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: apicall URL CAFILE < token")
		os.Exit(2)
	}
	token, err := bufio.NewReader(io.LimitReader(os.Stdin, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		fail(err)
	}
	token = strings.TrimSpace(token)
	ca, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		fail(fmt.Errorf("no certificate in %s", os.Args[2]))
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequest("GET", os.Args[1], nil)
	if err != nil {
		fail(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "satoken-rotation-apicall")
	resp, err := client.Do(req)
	if err != nil {
		fail(err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	if resp.StatusCode/100 != 2 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Println("error:", err)
	os.Exit(1)
}
