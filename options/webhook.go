package options

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/union"
	"github.com/authnkit/authnkit/webhook"
)

// closingToken is a token authenticator that owns background resources.
type closingToken interface {
	authn.TokenAuthenticator
	io.Closer
}

// bothClosers closes the cache, then the client under it.
type bothClosers struct {
	*union.Cache
	client io.Closer
}

func (b bothClosers) Close() error { return errors.Join(b.Cache.Close(), b.client.Close()) }

// newWebhook builds the TokenReview client behind its own cache, as
// kube-apiserver does: successes and rejections cached for
// --authentication-token-webhook-cache-ttl (never an unavailable
// answer), no cache when that is zero.
func (o *Options) newWebhook(apiAudiences []string, logger *slog.Logger) (closingToken, error) {
	w, err := webhook.New(webhook.Options{
		ConfigFile:        o.WebhookConfigFile,
		Version:           o.WebhookVersion,
		ImplicitAudiences: apiAudiences,
		InsecureAllowHTTP: o.WebhookInsecureAllowHTTP,
		Logger:            logger,
		Observer:          o.Observer,
	})
	if err != nil {
		return nil, fmt.Errorf("options: --authentication-token-webhook-config-file: %w", err)
	}
	if o.WebhookCacheTTL == 0 {
		return w, nil
	}
	c, err := union.NewCache(w, union.CacheOptions{SuccessTTL: o.WebhookCacheTTL, FailureTTL: o.WebhookCacheTTL, Logger: logger, Observer: o.Observer})
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("options: --authentication-token-webhook-cache-ttl: %w", err)
	}
	return bothClosers{Cache: c, client: w}, nil
}
