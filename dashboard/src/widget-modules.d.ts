// The widget's modules the on-site content preview renders (screens/content-preview.tsx) import
// their stylesheets as text (esbuild's `with { type: "text" }`), as widget/src/env.d.ts declares.
declare module "*.css" {
  const css: string;
  export default css;
}
