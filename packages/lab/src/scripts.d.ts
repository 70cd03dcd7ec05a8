declare module "*.sh" {
  const source: string;
  export default source;
}
declare module "*.service" {
  const source: string;
  export default source;
}
