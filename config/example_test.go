package config_test

import (
	"errors"
	"fmt"

	"github.com/firsthop/firsthop/config"
)

func ExampleParse() {
	const file = `listeners:
  - name: public
    address: 0.0.0.0:8080
    proxyProtocol: {mode: required, trustedCIDRs: [10.0.0.0/8]}
clientIP:
  trustedProxies: [0.0.0.0/0]
routes:
  - host: App.Example.com
    paths: [{path: /, backend: web}]
backends:
  - name: web
    endpoints: [{address: "10.0.1.15:8080"}]
`
	cfg, err := config.Parse("firsthop.yaml", []byte(file), config.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Listeners[0].Address, cfg.Listeners[0].ProxyProtocol.Mode, cfg.Table.Routes[0].Host)
	for _, w := range cfg.Warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// 0.0.0.0:8080 required app.example.com
	// warning: firsthop.yaml:6:20: clientIP.trustedProxies[0]: 0.0.0.0/0 trusts every address: any client can forge its IP
}

func ExampleErrors() {
	const file = `listeners:
  - name: public
    address: localhost:8080
    proxyProtocol: {mode: on}
`
	_, err := config.Parse("firsthop.yaml", []byte(file), config.Options{})
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, d := range errs {
			fmt.Println(d)
		}
	}
	// Output:
	// firsthop.yaml:3:14: listeners[0].address: "localhost:8080": "localhost" is not an IP address (hostnames are not supported here yet)
	// firsthop.yaml:4:27: listeners[0].proxyProtocol.mode: unknown PROXY protocol mode "on" (want off, optional or required)
}
