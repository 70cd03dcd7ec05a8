export { renderCluster, type RenderResult } from "./render-cluster.js";
