// worker.ts: the live view's program in a dedicated Worker (the "worker" mode of the page).
// The same workload and imports as in the page; the bridge posts samples back.

import { serveProgram } from "weft";
import { demoImports, snapshot, type DemoControl, type Settings } from "./demo.js";

serveProgram({
  imports: (context) => {
    const control: DemoControl = {
      settings: context.data as Settings,
      stopping: false,
      onRound: (round) => context.post({ round }),
    };
    context.onMessage((message) => {
      if (message === "stop") control.stopping = true;
    });
    return demoImports(control);
  },
  sample: snapshot,
});
