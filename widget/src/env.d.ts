declare module "*.css" {
  const css: string;
  export default css;
}

/** The names of Preact and signals the panel script borrows from the launcher (build.mjs). */
declare module "lent-libs" {
  const libs: Record<string, Record<string, unknown>>;
  export default libs;
}
