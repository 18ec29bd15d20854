package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// maxConfigBytes bounds a kubeconfig file.
const maxConfigBytes = 1 << 20

// Config is where and how to reach a TokenReview server: the parts of a
// kubeconfig file's cluster and user that kube-apiserver's webhook client
// uses. PEM fields hold the PEM text itself, not file names.
type Config struct {
	// Server is the https URL TokenReviews are POSTed to. Required.
	Server string
	// TLSServerName overrides the name the server certificate is checked
	// against. Empty: the host of Server.
	TLSServerName string
	// CAData is a PEM bundle of the CAs the server certificate must chain
	// to. Empty: the system roots.
	CAData []byte
	// InsecureSkipTLSVerify accepts any server certificate. Never use it
	// outside tests; it cannot be combined with CAData.
	InsecureSkipTLSVerify bool
	// ClientCertData and ClientKeyData are a PEM client certificate (chain)
	// and its key, presented to the server. Both or neither.
	ClientCertData, ClientKeyData []byte
	// Token is sent as "Authorization: Bearer". Empty: none.
	Token string
}

type kubeconfig struct {
	Clusters []struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server                   string `yaml:"server"`
			TLSServerName            string `yaml:"tls-server-name"`
			CertificateAuthority     string `yaml:"certificate-authority"`
			CertificateAuthorityData string `yaml:"certificate-authority-data"`
			InsecureSkipTLSVerify    bool   `yaml:"insecure-skip-tls-verify"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Users []struct {
		Name string `yaml:"name"`
		User struct {
			ClientCertificate     string `yaml:"client-certificate"`
			ClientCertificateData string `yaml:"client-certificate-data"`
			ClientKey             string `yaml:"client-key"`
			ClientKeyData         string `yaml:"client-key-data"`
			Token                 string `yaml:"token"`
			TokenFile             string `yaml:"tokenFile"`
		} `yaml:"user"`
	} `yaml:"users"`
	Contexts []struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster string `yaml:"cluster"`
			User    string `yaml:"user"`
		} `yaml:"context"`
	} `yaml:"contexts"`
	CurrentContext string `yaml:"current-context"`
}

// LoadConfig reads a kubeconfig-format file as kube-apiserver's
// --authentication-token-webhook-config-file: the cluster and user of
// current-context (or, without one, the first cluster and the first user),
// with relative file names resolved against the file's folder. The files
// it names are read once, now. A user's tokenFile wins over its token, as
// in client-go; token is used only if tokenFile cannot be read. Errors
// name path; they never contain a token or key.
func LoadConfig(path string) (*Config, error) {
	b, err := readBounded(path, maxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	c, err := parseKubeconfig(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("webhook: %s: %w", path, err)
	}
	return c, nil
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if n > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return buf.Bytes(), nil
}

// parseKubeconfig parses kubeconfig YAML (or JSON); dir resolves relative
// file names.
func parseKubeconfig(b []byte, dir string) (*Config, error) {
	var kc kubeconfig
	if err := yaml.Unmarshal(b, &kc); err != nil {
		return nil, fmt.Errorf("parsing kubeconfig: %w", err)
	}
	clusterIdx, userIdx := -1, -1
	if kc.CurrentContext != "" {
		var clusterName, userName string
		found := false
		for _, c := range kc.Contexts {
			if c.Name == kc.CurrentContext {
				clusterName, userName, found = c.Context.Cluster, c.Context.User, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("current-context %q not found in contexts", kc.CurrentContext)
		}
		for i, c := range kc.Clusters {
			if c.Name == clusterName {
				clusterIdx = i
				break
			}
		}
		if clusterIdx < 0 {
			return nil, fmt.Errorf("context %q: cluster %q not found", kc.CurrentContext, clusterName)
		}
		if userName != "" {
			for i, u := range kc.Users {
				if u.Name == userName {
					userIdx = i
					break
				}
			}
			if userIdx < 0 {
				return nil, fmt.Errorf("context %q: user %q not found", kc.CurrentContext, userName)
			}
		}
	} else {
		if len(kc.Clusters) == 0 {
			return nil, errors.New("no clusters")
		}
		clusterIdx = 0
		if len(kc.Users) > 0 {
			userIdx = 0
		}
	}
	cl := kc.Clusters[clusterIdx].Cluster
	if cl.Server == "" {
		return nil, fmt.Errorf("cluster %q: server is required", kc.Clusters[clusterIdx].Name)
	}
	c := &Config{Server: cl.Server, TLSServerName: cl.TLSServerName, InsecureSkipTLSVerify: cl.InsecureSkipTLSVerify}
	var err error
	if c.CAData, err = dataOrFile("certificate-authority", cl.CertificateAuthorityData, cl.CertificateAuthority, dir); err != nil {
		return nil, err
	}
	if userIdx >= 0 {
		u := kc.Users[userIdx].User
		if c.ClientCertData, err = dataOrFile("client-certificate", u.ClientCertificateData, u.ClientCertificate, dir); err != nil {
			return nil, err
		}
		if c.ClientKeyData, err = dataOrFile("client-key", u.ClientKeyData, u.ClientKey, dir); err != nil {
			return nil, err
		}
		c.Token = u.Token
		if u.TokenFile != "" {
			// As client-go: the file's token wins over token, which is
			// only a fallback for a file that cannot be read.
			b, err := readBounded(resolve(dir, u.TokenFile), maxConfigBytes)
			switch {
			case err == nil:
				c.Token = string(bytes.TrimSpace(b))
			case c.Token == "":
				return nil, fmt.Errorf("tokenFile: %w", err)
			}
		}
	}
	return c, nil
}

// dataOrFile returns base64-decoded data if set (it wins, as in client-go),
// else the contents of file.
func dataOrFile(field, data, file, dir string) ([]byte, error) {
	if data != "" {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, fmt.Errorf("%s-data: %w", field, err)
		}
		return b, nil
	}
	if file == "" {
		return nil, nil
	}
	b, err := readBounded(resolve(dir, file), maxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return b, nil
}

func resolve(dir, name string) string {
	if filepath.IsAbs(name) || dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}
