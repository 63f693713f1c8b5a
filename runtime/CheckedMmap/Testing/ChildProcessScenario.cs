// Crash tests belong in a child process: a scenario that overruns a mapping ends its process, and must not end the
// test run. Run(scenario) starts `dotnet exec <test assembly>` with the scenario's name in the environment; the test
// assembly's entry point (added by the package to test projects, or a one-line Main calling RunRequestedScenario)
// runs it; the parent gets the exit code, the output and the ==CheckedMmap== reports the child wrote.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Reflection;
using System.Threading.Tasks;

namespace CheckedMmap.Testing
{
    /// <summary>Runs a scenario (a static method of the test assembly) in a child process and collects what it reported.</summary>
    public static class ChildProcessScenario
    {
        /// <summary>The environment variable naming the scenario for the child: "Namespace.Type, Assembly|Method".</summary>
        public const string ScenarioVariable = "CHECKEDMMAP_SCENARIO";

        private const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

        /// <summary>Exit code of <see cref="RunRequestedScenario"/> when the scenario cannot be found.</summary>
        public const int ScenarioNotFoundExitCode = 97;

        /// <summary>Exit code of <see cref="RunRequestedScenario"/> when no scenario was requested (the assembly was run directly).</summary>
        public const int NoScenarioExitCode = 96;

        /// <summary>The default time a child may run before it is killed.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

        /// <summary>
        /// Runs <paramref name="scenario"/> (a static method, or a lambda that captures nothing, declared in an assembly
        /// whose entry point calls <see cref="RunRequestedScenario"/>) in a child process: `dotnet exec` on that assembly,
        /// with no CheckedMmap setting but the report file, plus <paramref name="environment"/>.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="scenario"/> is null.</exception>
        /// <exception cref="ArgumentException">The delegate captures state, so the child cannot recreate it.</exception>
        /// <exception cref="InvalidOperationException">The assembly has no entry point, or cannot be located on disk.</exception>
        /// <exception cref="TimeoutException">The child ran longer than <see cref="DefaultTimeout"/> (it is killed).</exception>
        public static ChildProcessResult Run(Action scenario, params (string Name, string? Value)[] environment) =>
            Run(scenario, DefaultTimeout, environment);

        /// <summary>As <see cref="Run(Action, ValueTuple{string, string}[])"/>, with a time limit.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="scenario"/> is null.</exception>
        /// <exception cref="ArgumentException">The delegate captures state.</exception>
        /// <exception cref="InvalidOperationException">The assembly has no entry point, or cannot be located on disk.</exception>
        /// <exception cref="TimeoutException">The child ran longer than <paramref name="timeout"/> (it is killed).</exception>
        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Test helper: runs the test assembly itself.")]
        [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Test helper: test assemblies are files.")]
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Test helper: only checks whether a closure has fields.")]
        public static ChildProcessResult Run(Action scenario, TimeSpan timeout, params (string Name, string? Value)[] environment)
        {
            if (scenario == null)
            {
                throw new ArgumentNullException(nameof(scenario));
            }

            MethodInfo method = scenario.Method;
            Type type = method.DeclaringType ?? throw new ArgumentException("The scenario must be a method of a type.", nameof(scenario));
            if (scenario.Target != null && type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length != 0)
            {
                throw new ArgumentException("The scenario captures variables; a child process cannot recreate them. Pass a static method or a lambda that captures nothing.", nameof(scenario));
            }

            Assembly assembly = type.Assembly;
            string path = assembly.Location;
            if (path.Length == 0 || !File.Exists(path))
            {
                throw new InvalidOperationException("The scenario's assembly " + assembly.GetName().Name + " is not a file on disk, so it cannot be started in a child process.");
            }

            if (assembly.EntryPoint == null)
            {
                throw new InvalidOperationException("The assembly " + assembly.GetName().Name + " has no entry point. A test project that references the CheckedMmap package gets one "
                    + "(unless it sets GenerateProgramFile or CheckedMmapTestEntryPoint to false); otherwise add: "
                    + "public static int Main() => CheckedMmap.Testing.ChildProcessScenario.RunRequestedScenario();");
            }

            string reports = Path.Combine(Path.GetTempPath(), "checkedmmap-" + Guid.NewGuid().ToString("N") + ".jsonl");
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("exec");
            psi.ArgumentList.Add(path);
            foreach (string key in CheckedMmapOptions.EnvironmentVariables.Keys)
            {
                psi.Environment.Remove(key);
            }

            psi.Environment[ScenarioVariable] = type.FullName + ", " + assembly.GetName().Name + "|" + method.Name;
            psi.Environment[StartupHooksVariable] = typeof(ChildProcessScenario).Assembly.Location; // runs it before any Main (see StartupHook)
            psi.Environment[CheckedMmapOptions.ReportFileVariable] = reports;
            psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
            psi.Environment["DOTNET_EnableCrashReport"] = "0";
            foreach ((string name, string? value) in environment ?? Array.Empty<(string, string?)>())
            {
                if (value == null)
                {
                    psi.Environment.Remove(name);
                }
                else
                {
                    psi.Environment[name] = value;
                }
            }

            try
            {
                using Process p = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not be started.");
                Task<string> stdout = p.StandardOutput.ReadToEndAsync();
                Task<string> stderr = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit((int)Math.Min(int.MaxValue, timeout.TotalMilliseconds)))
                {
                    p.Kill(entireProcessTree: true);
                    throw new TimeoutException("The scenario " + method.Name + " did not finish within " + timeout + ".");
                }

                p.WaitForExit();
                return new ChildProcessResult(method.Name, p.ExitCode, stdout.Result, stderr.Result, ReadReports(reports));
            }
            finally
            {
                try
                {
                    File.Delete(reports);
                }
                catch (IOException)
                {
                    // A leftover temporary file is harmless.
                }
            }
        }

        /// <summary>
        /// The child's side: runs the scenario named by <see cref="ScenarioVariable"/> and returns 0, or
        /// <see cref="NoScenarioExitCode"/> / <see cref="ScenarioNotFoundExitCode"/>. Call it from the test assembly's Main.
        /// </summary>
        /// <returns>The exit code for Main to return.</returns>
        [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "Test helper: the scenario type is named by the parent process.")]
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Test helper: the scenario type is named by the parent process.")]
        [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Test helper: the scenario type is named by the parent process.")]
        public static int RunRequestedScenario()
        {
            string? requested = Environment.GetEnvironmentVariable(ScenarioVariable);
            if (string.IsNullOrEmpty(requested))
            {
                Console.Error.WriteLine("This is a test assembly. CheckedMmap runs scenarios in it as child processes; set " + ScenarioVariable + " to \"Type, Assembly|Method\".");
                return NoScenarioExitCode;
            }

            int bar = requested!.LastIndexOf('|');
            Type? type = bar > 0 ? Type.GetType(requested.Substring(0, bar), throwOnError: false) : null;
            const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
            MethodInfo? method = type?.GetMethod(requested.Substring(bar + 1), Any, null, Type.EmptyTypes, null);
            if (method == null)
            {
                Console.Error.WriteLine("CheckedMmap: scenario not found: " + requested);
                return ScenarioNotFoundExitCode;
            }

            object? target = method.IsStatic ? null : Activator.CreateInstance(type!, nonPublic: true);
            try
            {
                method.Invoke(target, null);
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }

            Console.Out.Flush();
            return 0;
        }

        /// <summary>The reports of a report file (CHECKEDMMAP_REPORT_FILE), one per JSON line; a line cut short when its
        /// process ended is skipped.</summary>
        private static IReadOnlyList<ChildProcessReport> ReadReports(string path) =>
            ReportFileRecords.Read(path).ConvertAll(r => new ChildProcessReport(r));
    }

    /// <summary>One report a child process wrote (its JSON-lines record).</summary>
    public sealed class ChildProcessReport
    {
        private readonly ReportFileRecord _record;

        internal ChildProcessReport(ReportFileRecord record) => _record = record;

        /// <summary>"undefined-behavior", "unsupported", "leak" or "fault".</summary>
        public string Category => _record.Category;

        /// <summary>"buffer overflow", "use after munmap", "partial munmap", ...</summary>
        public string Kind => _record.Kind;

        /// <summary>The text of the SUMMARY line after "SUMMARY: CheckedMmap: ".</summary>
        public string Summary => _record.Summary;

        /// <summary>The whole report.</summary>
        public string Text => _record.Text;

        /// <summary>True when no test result can hold this report: the process ended on it (a fault), or it was made
        /// when the process's work was over (leaks at exit or at the end of a test run).</summary>
        public bool EndsProcess => _record.EndsProcess;

        /// <summary>The test methods on the report's stacks ("Namespace.Type.Method"): its call or access stack first, then
        /// the creation and destruction stacks of the mappings it describes.</summary>
        public IReadOnlyList<string> Tests => _record.Tests;

        /// <summary>The standard error stream the child printed the report on, when it did (see ReportFileRecord).</summary>
        internal string? PrintedTo => _record.PrintedTo;

        /// <summary>The report text.</summary>
        public override string ToString() => Text;
    }

    /// <summary>What a child process did: exit code, output, and the reports it wrote.</summary>
    public sealed class ChildProcessResult
    {
        internal ChildProcessResult(string scenario, int exitCode, string stdout, string stderr, IReadOnlyList<ChildProcessReport> reports)
        {
            Scenario = scenario;
            ExitCode = exitCode;
            StandardOutput = stdout;
            StandardError = stderr;
            Reports = reports;
        }

        /// <summary>The scenario's method name.</summary>
        public string Scenario { get; }

        /// <summary>0 when the scenario returned; 134 when the runtime failed fast (a managed fault, an unhandled exception); 139 for a fault in native code.</summary>
        public int ExitCode { get; }

        /// <summary>The child's standard output.</summary>
        public string StandardOutput { get; }

        /// <summary>The child's standard error (where fault reports and the runtime's own crash text go).</summary>
        public string StandardError { get; }

        /// <summary>The reports the child wrote, in order.</summary>
        public IReadOnlyList<ChildProcessReport> Reports { get; }

        /// <summary>The first report, or null.</summary>
        public ChildProcessReport? Report => Reports.Count == 0 ? null : Reports[0];

        /// <summary>
        /// Throws <see cref="ChildProcessAssertionException"/> (with everything the child printed) unless it exited with
        /// <paramref name="exitCode"/> and its first report is of <paramref name="kind"/> and contains every text given.
        /// </summary>
        /// <returns>This result.</returns>
        /// <exception cref="ChildProcessAssertionException">The child did otherwise.</exception>
        public ChildProcessResult AssertReport(int exitCode, string kind, params string[] contains)
        {
            if (ExitCode != exitCode)
            {
                throw new ChildProcessAssertionException("expected exit code " + exitCode + ", got " + ExitCode + NoReportHint, this);
            }

            ChildProcessReport? r = Report;
            if (r == null)
            {
                throw new ChildProcessAssertionException("expected a " + kind + " report, the child wrote none" + NoReportHint, this);
            }

            if (!string.Equals(r.Kind, kind, StringComparison.Ordinal))
            {
                throw new ChildProcessAssertionException("expected a " + kind + " report, got " + r.Kind, this);
            }

            foreach (string text in contains ?? Array.Empty<string>())
            {
                if (r.Text.IndexOf(text, StringComparison.Ordinal) < 0)
                {
                    throw new ChildProcessAssertionException("the report does not contain \"" + text + "\"", this);
                }
            }

            return this;
        }

        // A child that wrote no report at all most often ran on libc: the test project was built without the switch.
        private string NoReportHint => Reports.Count == 0
            ? " (no CheckedMmap report at all: a project built without -p:CheckedMmap=true runs the scenario on libc)"
            : string.Empty;

        /// <summary>Exit code, standard output, standard error.</summary>
        public override string ToString() =>
            "scenario " + Scenario + ": exit code " + ExitCode + Environment.NewLine + "--- standard output ---" + Environment.NewLine + StandardOutput
            + Environment.NewLine + "--- standard error ---" + Environment.NewLine + StandardError;
    }

    /// <summary>A child process did not do what <see cref="ChildProcessResult.AssertReport"/> expected.</summary>
    public sealed class ChildProcessAssertionException : Exception
    {
        internal ChildProcessAssertionException(string what, ChildProcessResult result)
            : base(what + Environment.NewLine + result)
        {
            Result = result;
        }

        /// <summary>What the child did.</summary>
        public ChildProcessResult Result { get; }
    }
}
