declare module "*.sh" {
  const source: string;
  export default source;
}
declare module "*.pl" {
  const source: string;
  export default source;
}
