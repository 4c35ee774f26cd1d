// Package static embeds the console's CSS, JavaScript and icon. The
// vendored files (htmx, Pico CSS) come from npm via `make vendor` and are
// committed, so a build needs no network.
package static

import "embed"

// FS holds css/, js/ and img/, served under /static/.
//
//go:embed css js img
var FS embed.FS
