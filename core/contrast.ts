// WCAG 2.2 contrast (1.4.3 text, 1.4.11 non-text): the ratio of two colours' relative luminances.
// Pure and free of zod: the widget imports it too, for its focus ring's fallback.

/** 1.4.3: normal-size text against its background. */
export const TEXT_CONTRAST = 4.5;
/** 1.4.11: a control's boundary or a focus indicator against what it sits on. */
export const UI_CONTRAST = 3;

export const WHITE = "#ffffff";

/** WCAG's relative luminance of a colour written #rrggbb (sRGB, 0 black to 1 white). */
export function relativeLuminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a colour written #rrggbb: ${hex}`);
  const [r, g, b] = match.slice(1).map((part) => {
    const channel = parseInt(part, 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** From 1 (the same luminance) to 21 (black on white); the order of the two does not matter. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Two decimals down, as contrast checkers show it: 4.499 is "4.49", which fails 4.5. */
export const shownRatio = (ratio: number) => Math.floor(ratio * 100) / 100;

export interface ContrastWarning {
  field: "branding.primary_color" | "branding.accent_color";
  code: "low_contrast";
  /** Rounded down to two decimals. */
  ratio: number;
  /** The ratio WCAG asks of this use. */
  required: number;
  message: string;
}

/**
 * What the widget draws with the merchant's colours (widget/src/launcher.css, panel.css):
 * primary: the launcher's and the header's background under white text;
 * accent: buttons' background under white text, links and the focus ring on the white panel.
 * White pairs with both, so one ratio per colour answers each use.
 */
export function brandingContrastWarnings(branding: { primary_color: string; accent_color: string }): ContrastWarning[] {
  const warnings: ContrastWarning[] = [];
  const primary = contrastRatio(branding.primary_color, WHITE);
  if (primary < TEXT_CONTRAST) {
    warnings.push({
      field: "branding.primary_color",
      code: "low_contrast",
      ratio: shownRatio(primary),
      required: TEXT_CONTRAST,
      message: `White text on ${branding.primary_color} (the launcher and the panel's header) has a contrast of ${shownRatio(primary)}:1; WCAG AA asks at least ${TEXT_CONTRAST}:1. Choose a darker colour.`,
    });
  }
  const accent = contrastRatio(branding.accent_color, WHITE);
  if (accent < TEXT_CONTRAST) {
    const ring = accent < UI_CONTRAST ? " The focus ring falls back to a dark grey, as it would not be seen." : "";
    warnings.push({
      field: "branding.accent_color",
      code: "low_contrast",
      ratio: shownRatio(accent),
      required: TEXT_CONTRAST,
      message: `${branding.accent_color} on white (buttons, links) has a contrast of ${shownRatio(accent)}:1; WCAG AA asks at least ${TEXT_CONTRAST}:1 for text. Choose a darker colour.${ring}`,
    });
  }
  return warnings;
}

/** The focus ring: the accent when it stands out from the white panel (3:1), else a dark grey that does. */
export const FOCUS_FALLBACK = "#1d2125";
export function focusColour(accent: string): string {
  return contrastRatio(accent, WHITE) >= UI_CONTRAST ? accent : FOCUS_FALLBACK;
}
