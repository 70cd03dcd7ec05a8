/** @oar-ha/cli: the oar-ha commands as a library. `main` runs them; `renderCluster` renders a whole cluster. */
export { main } from "./main.js";
export { renderCluster, type RenderResult } from "./render-cluster.js";
export { EXIT } from "./io/output.js";
export { clusterFromAnswers, clusterYaml, type Answers } from "./commands/init-answers.js";
export { bashCompletion, manPage } from "./docs.js";
