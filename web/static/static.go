// Package static embeds the console's CSS and JavaScript. The vendored files
// (htmx, Pico CSS) come from npm via `make vendor` and are committed, so a
// build needs no network.
package static

import "embed"

// FS holds css/ and js/, served under /static/.
//
//go:embed css js
var FS embed.FS
