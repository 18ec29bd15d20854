package authn_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authnkit/authnkit/authn"
	"github.com/authnkit/authnkit/authn/authntest"
)

// boundTokens accepts "bound" as a token bound to key "k1" and "plain" as
// a bearer token.
func boundTokens() authn.TokenAuthenticator {
	return authn.TokenAuthenticatorFunc(func(_ context.Context, token string) (*authn.Response, bool, error) {
		switch token {
		case "bound":
			return &authn.Response{User: alice, Confirmation: &authn.Confirmation{JKT: "k1"}}, true, nil
		case "plain":
			return &authn.Response{User: alice}, true, nil
		}
		return nil, false, nil
	})
}

// proofChecker accepts a request whose "Proof" header names the key the
// token is bound to, and records what it was asked.
type proofChecker struct {
	schemes []string
	calls   []string
	err     error // returned for every check when set
}

func (p *proofChecker) Schemes() []string { return p.schemes }

func (p *proofChecker) CheckBinding(r *http.Request, scheme, token string, c *authn.Confirmation) error {
	jkt := ""
	if c != nil {
		jkt = c.JKT
	}
	p.calls = append(p.calls, scheme+" "+token+" "+jkt)
	if p.err != nil {
		return p.err
	}
	if c == nil || r.Header.Get("Proof") != c.JKT {
		return &authn.BindingError{Method: "dpop", Reason: "no proof for the token's key"}
	}
	return nil
}

func TestBearerTokenBinding(t *testing.T) {
	t.Parallel()
	outage := &authn.UnavailableError{Err: errors.New("replay store down")}
	tests := []struct {
		name          string
		checker       *proofChecker // nil: no Binding
		auth, proof   string
		wantOK        bool
		wantErr       error
		wantNoOpinion bool
		wantCalls     []string
	}{
		{name: "plain token, no checker", auth: "Bearer plain", wantOK: true},
		{name: "bound token, no checker, refused", auth: "Bearer bound", proof: "k1", wantErr: authn.ErrProofOfPossession},
		{name: "DPoP scheme, no checker, not read", auth: "DPoP bound", wantNoOpinion: true},
		{name: "plain token, checker not asked", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "Bearer plain", wantOK: true},
		{name: "bound token with proof", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "DPoP bound", proof: "k1", wantOK: true,
			wantCalls: []string{"DPoP bound k1"}},
		{name: "scheme in any case", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "dpop bound", proof: "k1", wantOK: true,
			wantCalls: []string{"DPoP bound k1"}},
		{name: "bound token, Bearer scheme, checker decides", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "Bearer bound", proof: "k1", wantOK: true,
			wantCalls: []string{"Bearer bound k1"}},
		{name: "bound token, wrong proof", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "DPoP bound", proof: "k2", wantErr: authn.ErrProofOfPossession,
			wantCalls: []string{"DPoP bound k1"}},
		{name: "unbound token, DPoP scheme, checker decides", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "DPoP plain", wantErr: authn.ErrProofOfPossession,
			wantCalls: []string{"DPoP plain "}},
		{name: "DPoP scheme not read when the checker does not list it", checker: &proofChecker{}, auth: "DPoP bound", proof: "k1", wantNoOpinion: true},
		{name: "empty DPoP token malformed", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "DPoP ", wantErr: authn.ErrMalformed},
		{name: "checker outage stays an outage", checker: &proofChecker{schemes: []string{"DPoP"}, err: outage}, auth: "DPoP bound", proof: "k1", wantErr: authn.ErrUnavailable,
			wantCalls: []string{"DPoP bound k1"}},
		{name: "unknown token never reaches the checker", checker: &proofChecker{schemes: []string{"DPoP"}}, auth: "DPoP nobody", wantErr: authn.ErrUnrecognized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts authn.BearerOptions
			if tt.checker != nil {
				opts.Binding = tt.checker
			}
			r := authntest.NewRequest()
			r.Header.Set("Authorization", tt.auth)
			if tt.proof != "" {
				r.Header.Set("Proof", tt.proof)
			}
			resp, ok, err := authn.BearerTokenWith(boundTokens(), opts).AuthenticateRequest(r)
			authntest.CheckOutcome(t, resp, ok, err)
			switch {
			case tt.wantOK:
				require.NoError(t, err)
				require.True(t, ok)
				assert.Equal(t, alice, resp.User)
				assert.Empty(t, r.Header.Get("Authorization"), "the credential is removed after a success")
			case tt.wantNoOpinion:
				require.NoError(t, err)
				require.False(t, ok)
			default:
				require.ErrorIs(t, err, tt.wantErr)
				if !errors.Is(err, authn.ErrUnavailable) {
					require.ErrorIs(t, err, authn.ErrInvalidToken, "a refused token gets an invalid_token challenge")
					assert.False(t, authn.IsUnavailable(err))
				}
			}
			if tt.checker != nil {
				assert.Equal(t, tt.wantCalls, tt.checker.calls)
			}
		})
	}
}

func TestAsBearerRefusesBoundTokens(t *testing.T) {
	t.Parallel()
	tok := authn.AsBearer(boundTokens())
	resp, ok, err := tok.AuthenticateToken(t.Context(), "bound")
	authntest.CheckOutcome(t, resp, ok, err)
	require.ErrorIs(t, err, authn.ErrProofOfPossession, "a token review cannot see the proof, so a bound token is never accepted as a bearer token")
	be, isBinding := errors.AsType[*authn.BindingError](err)
	require.True(t, isBinding)
	assert.Contains(t, be.Reason, "sender-constrained")

	resp, ok, err = tok.AuthenticateToken(t.Context(), "plain")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Nil(t, resp.Confirmation)
}

func TestResponseCloneKeepsConfirmation(t *testing.T) {
	t.Parallel()
	r := &authn.Response{User: alice, Confirmation: &authn.Confirmation{X5TS256: "x", JKT: "j"}}
	c := r.Clone()
	require.Equal(t, r, c)
	c.Confirmation.JKT = "changed"
	assert.Equal(t, "j", r.Confirmation.JKT, "the clone owns its confirmation")
}

func TestBindingPolicy(t *testing.T) {
	t.Parallel()
	for _, p := range []authn.BindingPolicy{authn.BindingWhenPresent, authn.BindingRequired, authn.BindingIgnored} {
		got, err := authn.ParseBindingPolicy(p.String())
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	assert.Equal(t, authn.BindingWhenPresent, authn.BindingPolicy(0), "the zero value checks a binding when the token has one")
	_, err := authn.ParseBindingPolicy("Required")
	require.ErrorContains(t, err, `"when-present", "required" or "ignored"`)
	assert.Equal(t, "BindingPolicy(7)", authn.BindingPolicy(7).String())
}

// nonceError is a refusal that asks for its own challenge, as a DPoP
// verifier's use_dpop_nonce does.
type nonceError struct{}

func (nonceError) Error() string { return "authn_test: use the nonce" }
func (nonceError) Challenge(h http.Header) {
	h.Add("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
	h.Set("DPoP-Nonce", "n-1")
}

func TestFailureHandlerChallenger(t *testing.T) {
	t.Parallel()
	fail := authn.DefaultFailureHandler(nil, 0)
	w := httptest.NewRecorder()
	err := &authn.BindingError{Method: "dpop", Reason: "nonce required", Err: nonceError{}}
	fail(w, authntest.NewRequest(), errors.Join(errors.New("another member"), err))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, []string{`Bearer error="invalid_token"`, `DPoP error="use_dpop_nonce"`}, w.Header().Values("WWW-Authenticate"))
	assert.Equal(t, "n-1", w.Header().Get("DPoP-Nonce"))

	w = httptest.NewRecorder()
	fail(w, authntest.NewRequest(), authn.ErrInvalidToken)
	assert.Equal(t, []string{`Bearer error="invalid_token"`}, w.Header().Values("WWW-Authenticate"), "no challenger, no extra header")
	assert.Empty(t, w.Header().Get("DPoP-Nonce"))
}
