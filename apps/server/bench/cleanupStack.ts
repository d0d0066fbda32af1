// What the benchmark must undo (daemons, mounts, temp dirs), run last-in first-out, each at most
// once: on normal exit, on error and on Ctrl-C alike. A step started from two places at once (the
// signal handler and the main flow's finally) runs once and both wait for the same end.

interface Step {
  label: string;
  run: () => Promise<void>;
  done?: Promise<void>;
}

/** A LIFO list of undo steps. */
export class CleanupStack {
  private readonly steps: Step[] = [];

  /** Registers an undo step; the returned function runs it now (once) and unregisters it. */
  push(label: string, run: () => Promise<void>): () => Promise<void> {
    const step: Step = { label, run };
    this.steps.push(step);
    return () => this.runStep(step);
  }

  /** Runs every step still registered, newest first; reports failures and goes on. */
  async runAll(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.at(-1)!;
      await this.runStep(step).catch((err: Error) => console.error(`cleanup of ${step.label} failed: ${err.message}`));
    }
  }

  private runStep(step: Step): Promise<void> {
    const at = this.steps.indexOf(step);
    if (at >= 0) this.steps.splice(at, 1);
    step.done ??= step.run();
    return step.done;
  }
}
