package webhook

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeTokenReviewRoundTrip: every field the struct tags encode, both
// decoding paths read back.
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
	require.False(t, mayFoldName(b))
	got, err := decodeTokenReview(b)
	require.NoError(t, err)
	assert.Equal(t, want, *got)
	var exact TokenReview
	require.NoError(t, decodeExact(b, &exact))
	assert.Equal(t, want, exact)
}

func TestDecodeTokenReview(t *testing.T) {
	t.Parallel()
	alice := UserInfo{Username: "alice"}
	tests := []struct {
		name, in  string
		wantExact bool // mayFoldName sends it to decodeExact
		want      TokenReview
		wantErr   bool
	}{
		{name: "null", in: `null`},
		{name: "null members", in: `{"kind":null,"spec":null,"status":{"user":null,"audiences":null}}`},
		{name: "unknown members", in: `{"other":{"status":1},"status":{"user":{"username":"alice","x":[1]}}}`, want: TokenReview{Status: TokenReviewStatus{User: alice}}},
		{name: "names in another case", in: `{"Kind":"x","spec":{"Token":"t"},"Status":{"Authenticated":true},"status":{"Error":"e","user":{"UID":"u"}}}`, wantExact: true},
		{name: "exact name and another case", in: `{"status":{"user":{"username":"alice","Username":"mallory"}}}`, wantExact: true, want: TokenReview{Status: TokenReviewStatus{User: alice}}},
		{name: "Kelvin sign K", in: `{"\u212aind":"x","kind":"TokenReview"}`, wantExact: true, want: TokenReview{Kind: "TokenReview"}},
		{name: "Kelvin sign K, raw", in: "{\"\u212aind\":\"x\"}", wantExact: true},
		{name: "long s", in: "{\"\u017ftatus\":{\"authenticated\":true}}", wantExact: true},
		{name: "escaped exact name", in: `{"st\u0061tus":{"error":"e"}}`, want: TokenReview{Status: TokenReviewStatus{Error: "e"}}},
		{name: "escaped name in another case", in: `{"\u0053tatus":{"error":"e"}}`, wantExact: true},
		{name: "value spelled like a name", in: `{"status":{"user":{"username":"Status"}}}`, wantExact: true, want: TokenReview{Status: TokenReviewStatus{User: UserInfo{Username: "Status"}}}},
		{name: "extra keys are data", in: `{"status":{"user":{"extra":{"Groups":["a"],"groups":["b"]}}}}`, wantExact: true,
			want: TokenReview{Status: TokenReviewStatus{User: UserInfo{Extra: map[string][]string{"Groups": {"a"}, "groups": {"b"}}}}}},
		{name: "last scalar wins, objects merge", in: `{"kind":"a","kind":"b","status":{"error":"e"},"status":{"user":{"uid":"u"}}}`,
			want: TokenReview{Kind: "b", Status: TokenReviewStatus{Error: "e", User: UserInfo{UID: "u"}}}},
		{name: "repeated list is replaced", in: `{"spec":{"audiences":["a","b"],"audiences":["c"]}}`, want: TokenReview{Spec: TokenReviewSpec{Audiences: []string{"c"}}}},
		{name: "array", in: `[]`, wantErr: true},
		{name: "string", in: `"alice-token"`, wantErr: true},
		{name: "nested wrong type", in: `{"status":{"user":{"groups":"dev"}}}`, wantErr: true},
		{name: "nested wrong type, exact path", in: `{"Status":1,"status":{"user":{"groups":"dev"}}}`, wantExact: true, wantErr: true},
		{name: "nested non-object, exact path", in: `{"Kind":1,"spec":[]}`, wantExact: true, wantErr: true},
		{name: "trailing data", in: `{} {}`, wantErr: true},
		{name: "trailing data, exact path", in: `{"Kind":1} {}`, wantExact: true, wantErr: true},
		{name: "empty", in: ``, wantErr: true},
		{name: "cut short, exact path", in: `{"Kind":1,"status":{`, wantExact: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := []byte(tt.in)
			assert.Equal(t, tt.wantExact, mayFoldName(b), "mayFoldName")
			got, err := decodeTokenReview(b)
			var exact TokenReview
			exactErr := decodeExact(b, &exact)
			if tt.wantErr {
				require.Error(t, err)
				require.Error(t, exactErr)
				assert.NotContains(t, err.Error(), "alice-token", "errors never quote the input")
				assert.NotContains(t, exactErr.Error(), "alice-token", "errors never quote the input")
				return
			}
			require.NoError(t, err)
			require.NoError(t, exactErr)
			assert.Equal(t, tt.want, *got)
			assert.Equal(t, tt.want, exact)
		})
	}
}

// TestMemberNamesAreTheTags: memberName knows exactly the JSON names of the
// TokenReview types' fields, so that mayFoldName sees every name
// encoding/json could fold.
func TestMemberNamesAreTheTags(t *testing.T) {
	t.Parallel()
	var tags []string
	for _, typ := range []reflect.Type{
		reflect.TypeFor[TokenReview](), reflect.TypeFor[ObjectMeta](), reflect.TypeFor[TokenReviewSpec](),
		reflect.TypeFor[TokenReviewStatus](), reflect.TypeFor[UserInfo](),
	} {
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			tags = append(tags, name)
			got, ok := memberName(strings.ToLower(name))
			assert.True(t, ok, name)
			assert.Equal(t, name, got)
			assert.True(t, mayFoldName([]byte(`{"`+strings.ToUpper(name)+`":null}`)), name)
			assert.False(t, mayFoldName([]byte(`{"`+name+`":null}`)), name)
		}
	}
	// Audiences is a member of two objects.
	assert.Len(t, tags, 16)
	for _, other := range []string{"apiversions", "kinds", "audience", "usernam", "x"} {
		_, ok := memberName(other)
		assert.False(t, ok, other)
	}
}

// BenchmarkDecodeTokenReview decodes a typical answer, which encoding/json
// decodes after mayFoldName's scan, and one with a member name in another
// case, which decodeExact decodes.
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
