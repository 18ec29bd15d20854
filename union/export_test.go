package union

// ErrNoResponse lets the external tests match the error a union or cache
// substitutes for a success without a response.
var ErrNoResponse = errNoResponse
