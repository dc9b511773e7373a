import Foundation

/// Slurm batch scripts for a plan.
extension WorkPlan {
    /// What each array task asks Slurm for.
    public struct SlurmResources: Sendable {
        public var cpusPerTask = 1
        public var memory: String?
        public var time: String?
        public var partition: String?
        public init() {}
    }

    /// `units.sbatch` (an array job, one task per unit: `--array=0-(N-1)`), `gather.sbatch`
    /// and `submit.sh`, which submits the array and the gather job to run after every task
    /// succeeded (`--dependency=afterok`). Logs go to `logs/` in the work folder.
    public func slurmScripts(binary: String, planPath: String, resources: SlurmResources) -> [(name: String, text: String)] {
        let logs = (folder as NSString).appendingPathComponent("logs")
        var options = ["--cpus-per-task=\(resources.cpusPerTask)"]
        if let memory = resources.memory { options.append("--mem=\(memory)") }
        if let time = resources.time { options.append("--time=\(time)") }
        if let partition = resources.partition { options.append("--partition=\(partition)") }
        func header(_ name: String, _ extra: [String]) -> String {
            (["#!/bin/bash", "#SBATCH --job-name=\(name)"] + (extra + options).map { "#SBATCH \($0)" }).joined(separator: "\n") + "\n"
        }
        let units = header("toksleuth-units", ["--array=0-\(self.units.count - 1)", "--output=\(logs)/unit-%a.log"])
            + "# Unit $SLURM_ARRAY_TASK_ID of the plan; a unit whose output exists is skipped, so tasks can be rerun.\n"
            + "exec \(quoted(binary)) run-unit \(quoted(planPath))\n"
        let gather = header("toksleuth-gather", ["--output=\(logs)/gather.log"])
            + "exec \(quoted(binary)) gather \(quoted(planPath)) --json --output \(quoted((folder as NSString).appendingPathComponent("result.json")))\n"
        let submit = """
            #!/bin/sh
            # Submits the units as one array job and the gather job after all of them succeeded.
            set -e
            mkdir -p \(quoted(logs))
            units=$(sbatch --parsable \(quoted((folder as NSString).appendingPathComponent("units.sbatch"))))
            gather=$(sbatch --parsable --dependency=afterok:${units%%;*} \(quoted((folder as NSString).appendingPathComponent("gather.sbatch"))))
            echo "units: job $units (\(self.units.count) tasks); gather: job $gather"

            """
        return [("units.sbatch", units), ("gather.sbatch", gather), ("submit.sh", submit)]
    }

    private func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
