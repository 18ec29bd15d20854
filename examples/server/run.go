package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authnkit/authnkit/authconfig"
	"github.com/authnkit/authnkit/authn"
	authnprom "github.com/authnkit/authnkit/metrics/prometheus"
	"github.com/authnkit/authnkit/options"
	"github.com/authnkit/authnkit/x509auth"
)

// config is the server's own flags plus the authentication options.
type config struct {
	auth        *options.Options
	bindAddress string
	securePort  int
	tlsCertFile string
	tlsKeyFile  string
}

func newFlagSet(output io.Writer) (*flag.FlagSet, *config) {
	cfg := &config{auth: options.NewOptions(), bindAddress: "127.0.0.1", securePort: 6443}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(output)
	cfg.auth.AddFlags(fs)
	fs.StringVar(&cfg.bindAddress, "bind-address", cfg.bindAddress,
		"The IP address on which to listen for the --secure-port port. authnkit's default is 127.0.0.1 (kube-apiserver's is 0.0.0.0): exposing the demo is a choice.")
	fs.IntVar(&cfg.securePort, "secure-port", cfg.securePort, "The port on which to serve HTTPS with authentication. 0 picks a free port.")
	fs.StringVar(&cfg.tlsCertFile, "tls-cert-file", "",
		"File containing the default x509 Certificate for HTTPS (CA cert, if any, concatenated after server cert). If unset, a throwaway self-signed CA and serving certificate are generated.")
	fs.StringVar(&cfg.tlsKeyFile, "tls-private-key-file", "", "File containing the default x509 private key matching --tls-cert-file.")
	return fs, cfg
}

// server is a running instance.
type server struct {
	addr   string // host:port actually listened on
	caFile string // the CA that signed the serving certificate, when generated
	tmpDir string // holds caFile; removed at shutdown
	auth   *options.Authenticator
	http   *http.Server
	done   chan error
}

// run serves until ctx is done. With no flags but the serving ones
// (--secure-port, --bind-address) it runs the demo.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	demoMode, bind, err := demoRequested(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage is printed
	}
	if err != nil {
		return err
	}
	var d *demo
	if demoMode {
		if d, err = newDemo("", bind); err != nil {
			return err
		}
		defer d.cleanup()
		args = append(d.args(), args...)
	}
	s, err := start(args, stderr, logger)
	if err != nil {
		return err
	}
	if d != nil {
		if err := d.mintServiceAccountToken(s.auth.ServiceAccountIssuer); err != nil {
			_ = s.shutdown()
			return err
		}
		d.printInstructions(stdout, s.addr)
	} else {
		fmt.Fprintf(stdout, "serving on https://%s\n", s.addr)
		if s.caFile != "" {
			fmt.Fprintf(stdout, "serving certificate signed by a throwaway CA: %s (removed on exit)\n", s.caFile)
		}
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
		return s.shutdown()
	case err := <-s.done:
		s.cleanup()
		return err
	}
}

// servingFlags are the flags that leave the demo on.
var servingFlags = []string{"secure-port", "bind-address"}

// demoRequested parses args and reports whether they ask for the demo:
// no flag other than the serving ones. It also returns --bind-address,
// for the demo's serving certificate. -h prints the usage to output and
// returns flag.ErrHelp.
func demoRequested(args []string, output io.Writer) (bool, string, error) {
	fs, cfg := newFlagSet(output)
	if err := fs.Parse(args); err != nil {
		return false, "", err
	}
	demo := fs.NArg() == 0
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(servingFlags, f.Name) {
			demo = false
		}
	})
	return demo, cfg.bindAddress, nil
}

// start parses args, builds the authenticator and starts serving.
func start(args []string, flagOutput io.Writer, logger *slog.Logger) (*server, error) {
	fs, cfg := newFlagSet(flagOutput)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	cfg.auth.Logger = logger
	// Kubernetes' authentication metrics, served at /metrics.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	observer, err := authnprom.New(reg, authnprom.Options{APIServerID: "authnkit-" + cfg.bindAddress})
	if err != nil {
		return nil, err
	}
	cfg.auth.Observer = observer
	auth, err := cfg.auth.New()
	if err != nil {
		return nil, err
	}
	s := &server{auth: auth, done: make(chan error, 1)}
	cert, caFile, err := loadOrGenerateCert(cfg, logger)
	if err != nil {
		_ = auth.Close()
		return nil, err
	}
	s.caFile = caFile
	if caFile != "" {
		s.tmpDir = filepath.Dir(caFile)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.bindAddress, strconv.Itoa(cfg.securePort)))
	if err != nil {
		s.cleanup()
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("--secure-port=%d: port %d on %s is already in use (a local Kubernetes cluster often holds 6443); "+
				"pick another with --secure-port=<port>, or --secure-port=0 for any free one: %w", cfg.securePort, cfg.securePort, cfg.bindAddress, err)
		}
		return nil, err
	}
	s.addr = ln.Addr().String()
	s.http = &http.Server{
		Handler:           newHandler(auth, metricsFor(anonymousMetrics(cfg.auth), promhttp.HandlerFor(reg, promhttp.HandlerOpts{})), logger),
		TLSConfig:         x509auth.TLSConfig(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		err := s.http.ServeTLS(ln, "", "")
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	logger.Info("serving", "addr", s.addr)
	return s, nil
}

// anonymousMetrics reports whether the configuration opens /metrics to
// anonymous requests by name: an --authentication-config file whose
// anonymous section lists it among its conditions, as the demo's does.
// Anonymous access to every path (--anonymous-auth) does not: like
// kube-apiserver's RBAC, which lets system:anonymous read the health
// paths and not the metrics.
func anonymousMetrics(o *options.Options) bool {
	if o.AuthenticationConfigFile == "" {
		return false
	}
	c, err := authconfig.Load(o.AuthenticationConfigFile)
	if err != nil || c.Anonymous == nil || !c.Anonymous.Enabled {
		return false
	}
	for _, cond := range c.Anonymous.Conditions {
		if cond.Path == "/metrics" {
			return true
		}
	}
	return false
}

// metricsFor serves metrics to authenticated callers, and to anonymous
// ones too when allowAnonymous; others get 403 as RBAC would answer.
func metricsFor(allowAnonymous bool, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := authn.UserFrom(r.Context()); u.Name == authn.AnonymousUser && !allowAnonymous {
			authn.WriteStatus(w, authn.NewStatus(http.StatusForbidden, "Forbidden",
				`forbidden: User "system:anonymous" cannot get path "/metrics"`))
			return
		}
		metrics.ServeHTTP(w, r)
	})
}

// shutdown stops accepting, lets requests in flight finish (up to 10s), and
// stops the authenticators' watchers.
func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if serveErr := <-s.done; err == nil {
		err = serveErr
	}
	return errors.Join(err, s.cleanup())
}

// cleanup stops the authenticators' watchers and removes the generated
// certificate folder, if any.
func (s *server) cleanup() error {
	err := s.auth.Close()
	if s.tmpDir != "" {
		err = errors.Join(err, os.RemoveAll(s.tmpDir))
	}
	return err
}

func loadOrGenerateCert(cfg *config, logger *slog.Logger) (tls.Certificate, string, error) {
	switch {
	case cfg.tlsCertFile != "" && cfg.tlsKeyFile != "":
		cert, err := tls.LoadX509KeyPair(cfg.tlsCertFile, cfg.tlsKeyFile)
		if err != nil {
			return tls.Certificate{}, "", fmt.Errorf("--tls-cert-file/--tls-private-key-file: %w", err)
		}
		return cert, "", nil
	case cfg.tlsCertFile != "" || cfg.tlsKeyFile != "":
		return tls.Certificate{}, "", errors.New("--tls-cert-file and --tls-private-key-file go together")
	}
	dir, err := os.MkdirTemp("", "authnkit-server-")
	if err != nil {
		return tls.Certificate{}, "", err
	}
	ca, cert := newServingCert(cfg.bindAddress)
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return tls.Certificate{}, "", err
	}
	logger.Info("generated a throwaway serving certificate", "ca", caFile)
	return cert.TLSCertificate(), caFile, nil
}
