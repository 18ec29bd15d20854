package webhook

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeTokenReviewRoundTrip: every field the struct tags encode is
// read back.
func TestDecodeTokenReviewRoundTrip(t *testing.T) {
	t.Parallel()
	want := TokenReview{
		APIVersion: groupName + "/" + V1,
		Kind:       kindTokenReview,
		Metadata:   ObjectMeta{Name: "review"},
		Spec:       TokenReviewSpec{Token: "alice-token", Audiences: []string{"api"}},
		Status: TokenReviewStatus{
			Authenticated: true,
			User:          UserInfo{Username: "alice", UID: "1001", Groups: []string{"dev"}, Extra: map[string][]string{"k": {"v"}}},
			Audiences:     []string{"api"},
			Error:         "none",
		},
	}
	b, err := json.Marshal(&want)
	require.NoError(t, err)
	got, err := decodeTokenReview(b)
	require.NoError(t, err)
	assert.Equal(t, want, *got)
}

func TestDecodeTokenReview(t *testing.T) {
	t.Parallel()
	alice := UserInfo{Username: "alice"}
	tests := []struct {
		name, in string
		want     TokenReview
		wantErr  bool
	}{
		{name: "null", in: `null`},
		{name: "null members", in: `{"kind":null,"spec":null,"status":{"user":null,"audiences":null}}`},
		{name: "unknown members", in: `{"other":{"status":1},"status":{"user":{"username":"alice","x":[1]}}}`, want: TokenReview{Status: TokenReviewStatus{User: alice}}},
		{name: "names in another case", in: `{"Kind":"x","spec":{"Token":"t"},"Status":{"Authenticated":true},"status":{"Error":"e","user":{"UID":"u"}}}`},
		{name: "exact name and another case", in: `{"status":{"user":{"username":"alice","Username":"mallory"}}}`, want: TokenReview{Status: TokenReviewStatus{User: alice}}},
		{name: "Kelvin sign K", in: `{"\u212aind":"x","kind":"TokenReview"}`, want: TokenReview{Kind: "TokenReview"}},
		{name: "Kelvin sign K, raw", in: "{\"\u212aind\":\"x\"}"},
		{name: "long s", in: "{\"\u017ftatus\":{\"authenticated\":true}}"},
		{name: "escaped exact name", in: `{"st\u0061tus":{"error":"e"}}`, want: TokenReview{Status: TokenReviewStatus{Error: "e"}}},
		{name: "escaped name in another case", in: `{"\u0053tatus":{"error":"e"}}`},
		{name: "value spelled like a name", in: `{"status":{"user":{"username":"Status"}}}`, want: TokenReview{Status: TokenReviewStatus{User: UserInfo{Username: "Status"}}}},
		{name: "extra keys are data", in: `{"status":{"user":{"extra":{"Groups":["a"],"groups":["b"]}}}}`,
			want: TokenReview{Status: TokenReviewStatus{User: UserInfo{Extra: map[string][]string{"Groups": {"a"}, "groups": {"b"}}}}}},
		{name: "last scalar wins, objects merge", in: `{"kind":"a","kind":"b","status":{"error":"e"},"status":{"user":{"uid":"u"}}}`,
			want: TokenReview{Kind: "b", Status: TokenReviewStatus{Error: "e", User: UserInfo{UID: "u"}}}},
		{name: "repeated list is replaced", in: `{"spec":{"audiences":["a","b"],"audiences":["c"]}}`, want: TokenReview{Spec: TokenReviewSpec{Audiences: []string{"c"}}}},
		{name: "array", in: `[]`, wantErr: true},
		{name: "string", in: `"alice-token"`, wantErr: true},
		{name: "nested wrong type", in: `{"status":{"user":{"groups":"dev"}}}`, wantErr: true},
		{name: "nested wrong type, exact path", in: `{"Status":1,"status":{"user":{"groups":"dev"}}}`, wantErr: true},
		{name: "nested non-object, exact path", in: `{"Kind":1,"spec":[]}`, wantErr: true},
		{name: "trailing data", in: `{} {}`, wantErr: true},
		{name: "trailing data, exact path", in: `{"Kind":1} {}`, wantErr: true},
		{name: "empty", in: ``, wantErr: true},
		{name: "cut short, exact path", in: `{"Kind":1,"status":{`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeTokenReview([]byte(tt.in))
			if tt.wantErr {
				require.Error(t, err)
				assert.NotContains(t, err.Error(), "alice-token", "errors never quote the input")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, *got)
		})
	}
}

// BenchmarkDecodeTokenReview decodes a typical answer, and one with a
// member name in another case.
func BenchmarkDecodeTokenReview(b *testing.B) {
	common := []byte(readFile(b, "v1_response.json"))
	folded := []byte(strings.Replace(string(common), `"user"`, `"User"`, 1))
	for _, bc := range []struct {
		name string
		in   []byte
	}{{"common", common}, {"another_case", folded}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeTokenReview(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
