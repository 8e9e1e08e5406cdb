// A 5x7 bitmap font for the printable ASCII characters (32..126), with one extra row for the
// descenders of g, j, p, q, y and comma, and the text renderer the plots use. Written for
// GANForge: the images need a few labels, not a font library.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "gan/data/image.h"

namespace ganforge::gan {

constexpr int kGlyphWidth = 5;    // columns of a glyph
constexpr int kGlyphHeight = 8;   // rows: 7 from the cap line to the baseline, then the descender
constexpr int kGlyphAdvance = 6;  // pen advance per character: the glyph and one blank column

// One row mask per glyph row, top first; bit 4 (0x10) is the leftmost column.
using Glyph = std::array<uint8_t, kGlyphHeight>;

// The glyph of `c`; characters outside 32..126 get the glyph of '?'.
const Glyph& glyph(char c);

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

// Pixel size of `text` drawn at `scale` (each font pixel a scale x scale block); the width
// has no trailing blank column.
int text_width(std::string_view text, int scale);
inline int text_height(int scale) { return kGlyphHeight * scale; }

// Draws `text` into the RGB `image` with its top-left corner at (x, y); pixels outside the
// image are clipped.
void draw_text(data::Image& image, int x, int y, std::string_view text, Rgb colour, int scale = 1);

}  // namespace ganforge::gan
