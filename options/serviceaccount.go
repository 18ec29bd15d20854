package options

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/serviceaccount"
)

// newServiceAccounts builds the service-account token authenticator and,
// with a signing key, the issuer that mints for it. Its watchers are
// added to out's closers.
func (o *Options) newServiceAccounts(out *Authenticator, apiAudiences []string, logger *slog.Logger) (*serviceaccount.Authenticator, error) {
	keyFiles := o.ServiceAccountKeyFiles
	if len(keyFiles) == 0 && o.ServiceAccountSigningKeyFile != "" {
		// kube-apiserver's default: verify with the signing key's file.
		keyFiles = []string{o.ServiceAccountSigningKeyFile}
	}
	if o.ServiceAccountSigningKeyFile != "" {
		key, err := loadSigner(o.ServiceAccountSigningKeyFile)
		if err != nil {
			return nil, fmt.Errorf("options: --service-account-signing-key-file: %w", err)
		}
		iss, err := serviceaccount.NewIssuer(o.ServiceAccountIssuers[0], key, serviceaccount.IssuerOptions{APIAudiences: apiAudiences})
		if err != nil {
			return nil, fmt.Errorf("options: --service-account-signing-key-file: %w", err)
		}
		out.ServiceAccountIssuer = iss
	}
	files := make([]authn.FileOptions, len(keyFiles))
	for i, path := range keyFiles {
		files[i] = o.file(path)
	}
	sa, err := serviceaccount.New(serviceaccount.Options{
		KeyFiles:     files,
		Issuers:      o.ServiceAccountIssuers,
		APIAudiences: apiAudiences,
		Legacy:       len(keyFiles) > 0,
		Lookup:       o.ServiceAccountLookup,
		Logger:       logger,
		Observer:     o.Observer,
	})
	if err != nil {
		return nil, fmt.Errorf("options: --service-account-key-file: %w", err)
	}
	out.closers = append(out.closers, sa)
	return sa, nil
}

// loadSigner reads one PEM private key: PKCS #8, PKCS #1 (RSA) or SEC 1
// (EC). Errors never contain key material.
func loadSigner(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("%s: no PEM private key", path)
		}
		var key any
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s block: %w", path, block.Type, errors.New("cannot parse private key"))
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%s: unsupported private key type %T", path, key)
		}
		return signer, nil
	}
}
