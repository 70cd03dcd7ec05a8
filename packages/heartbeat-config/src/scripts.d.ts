declare module "*.sh" {
  const source: string;
  export default source;
}
