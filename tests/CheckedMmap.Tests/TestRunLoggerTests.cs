// The package's VSTest logger, driven with the events vstest.console raises: it prints the reports no test result
// holds, once, when the run completes.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using CheckedMmap.TestRun;
using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Client;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Logging;
using Xunit;

namespace CheckedMmap.Tests;

public sealed class TestRunLoggerTests : IDisposable
{
    private const string LeakLine = """{"category":"leak","kind":"leak","summary":"s","endsProcess":true,"report":"==CheckedMmap== ERROR: leak: 1 mapping (4096 bytes) still mapped at the end of the test run\nSUMMARY: CheckedMmap: 4096 bytes leaked"}""";
    private const string FaultLine = """{"category":"fault","kind":"buffer overflow","summary":"s","endsProcess":true,"report":"==CheckedMmap== ERROR: buffer overflow: access at 0x7f0000001000\nSUMMARY: CheckedMmap: buffer overflow"}""";
    private const string TestFailureLine = """{"category":"undefined-behavior","kind":"double munmap","summary":"s","endsProcess":false,"tests":["T.U.Failing"],"report":"==CheckedMmap== ERROR: double munmap: alloc1"}""";
    private const string NestedFailureLine = """{"category":"fault","kind":"buffer overflow","summary":"s","endsProcess":false,"tests":["T.Outer.Inner.Row"],"report":"==CheckedMmap== ERROR: buffer overflow: alloc5"}""";
    private const string CaughtLine = """{"category":"undefined-behavior","kind":"partial munmap","summary":"s","endsProcess":false,"tests":["T.U.Passing"],"report":"==CheckedMmap== ERROR: partial munmap: alloc2"}""";
    private const string ExpectedLine = """{"category":"undefined-behavior","kind":"partial munmap","summary":"s","endsProcess":false,"expected":true,"tests":["T.U.Passing"],"report":"==CheckedMmap== ERROR: partial munmap: alloc3"}""";
    private const string CaughtLeakLine = """{"category":"leak","kind":"leak","summary":"s","endsProcess":false,"tests":["T.U.Passing"],"report":"==CheckedMmap== ERROR: leak: alloc4"}""";

    private readonly string _file = Path.Combine(Path.GetTempPath(), "checkedmmap-logger-" + Guid.NewGuid().ToString("N") + ".jsonl");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void Prints_leaks_and_a_fault_no_message_showed_and_nothing_a_test_result_holds()
    {
        File.WriteAllLines(_file, new[] { TestFailureLine, FaultLine, LeakLine });
        string output = Run(messages: new[] { "Test host process crashed" }, failed: "T.U.Failing");

        Assert.Contains("CheckedMmap: 2 reports that no test result holds (also in " + _file + "):", output);
        Assert.Contains("==CheckedMmap== ERROR: buffer overflow: access at 0x7f0000001000", output);
        Assert.Contains("==CheckedMmap== ERROR: leak: 1 mapping (4096 bytes)", output);
        Assert.DoesNotContain("double munmap", output);
    }

    [Fact]
    public void Prints_a_report_whose_test_passed_its_code_caught_the_exception_unless_the_test_expected_it()
    {
        File.WriteAllLines(_file, new[] { TestFailureLine, CaughtLine, ExpectedLine, CaughtLeakLine, NestedFailureLine });
        string output = Run(messages: Array.Empty<string>(), failed: "T.U.Failing", passed: "T.U.Passing", alsoFailed: "T.Outer+Inner.Row(1, 2)");

        Assert.StartsWith("CheckedMmap: 1 report whose exception the code under test caught, so that no failed test shows it (also in " + _file, output);
        Assert.Contains("MmapTracker.ExpectReports()", output);
        Assert.Contains("partial munmap: alloc2", output);
        Assert.DoesNotContain("alloc1", output); // its test failed and shows it
        Assert.DoesNotContain("alloc3", output); // provoked on purpose
        Assert.DoesNotContain("alloc4", output); // a leak assertion's exception is no caught bug
        Assert.DoesNotContain("alloc5", output); // its test failed: VSTest names a nested class with '+' and a data row with its arguments
    }

    [Fact]
    public void An_aborted_run_gets_the_counts_of_the_results_that_came_in_before_it_ended()
    {
        var output = new StringWriter();
        var events = new Events();
        new TestRunLogger(output).Initialize(events, new Dictionary<string, string?> { [TestRunLogger.ReportFileParameter] = _file });
        events.Result("T.U.A", TestOutcome.Passed);
        events.Result("T.U.B", TestOutcome.Passed);
        events.Result("T.U.C", TestOutcome.Failed);
        events.Result("T.U.D", TestOutcome.Skipped);
        events.Complete(aborted: true);
        Assert.Contains("CheckedMmap: the test run was aborted after 4 test results: 2 passed, 1 failed, 1 skipped or not run", output.ToString());

        var completed = new StringWriter();
        var others = new Events();
        new TestRunLogger(completed).Initialize(others, new Dictionary<string, string?> { [TestRunLogger.ReportFileParameter] = _file });
        others.Result("T.U.A", TestOutcome.Passed);
        others.Complete();
        Assert.DoesNotContain("aborted", completed.ToString());
    }

    [Fact]
    public void A_fault_the_crash_message_showed_whole_is_not_printed_again_but_one_it_cut_short_is()
    {
        File.WriteAllLines(_file, new[] { FaultLine });
        Assert.Equal(string.Empty, Run(messages: new[] { "Test host process crashed : ==CheckedMmap== ERROR: buffer overflow: access at 0x7f0000001000\nSUMMARY: CheckedMmap: buffer overflow" }));

        string output = Run(messages: new[] { "Test host process crashed : ==CheckedMmap== ERROR: buffer overflow: access at 0x7f0000001000\n…" });
        Assert.Contains("CheckedMmap: 1 report that no test result holds", output);
        Assert.Contains("SUMMARY: CheckedMmap: buffer overflow", output);
    }

    [Fact]
    public void Reports_written_before_the_run_started_are_not_printed()
    {
        File.WriteAllLines(_file, new[] { LeakLine });
        var output = new StringWriter();
        var events = new Events();
        new TestRunLogger(output).Initialize(events, new Dictionary<string, string?> { [TestRunLogger.ReportFileParameter] = _file });
        events.Start();
        File.AppendAllLines(_file, new[] { FaultLine });
        events.Complete();

        Assert.Contains("CheckedMmap: 1 report that no test result holds", output.ToString());
        Assert.Contains("buffer overflow", output.ToString());
        Assert.DoesNotContain("leak", output.ToString());
    }

    [Fact]
    public void Under_MSBuilds_test_task_the_reports_are_one_warning_line_of_its_protocol()
    {
        File.WriteAllLines(_file, new[] { LeakLine });
        var output = new StringWriter();
        var events = new Events();
        new TestRunLogger(output).Initialize(events, new Dictionary<string, string?>
        {
            [TestRunLogger.ReportFileParameter] = _file,
            [TestRunLogger.MSBuildOutputParameter] = "true",
        });
        events.Complete();

        string line = Assert.Single(output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("||||output-warning||||CheckedMmap: 1 report that no test result holds (also in " + _file + "):!!!!==CheckedMmap== ERROR: leak", line);
        Assert.EndsWith("!!!!SUMMARY: CheckedMmap: 4096 bytes leaked", line);
    }

    [Fact]
    public void Without_a_report_file_or_reports_it_prints_nothing()
    {
        Assert.Equal(string.Empty, Run(messages: Array.Empty<string>()));
        File.WriteAllText(_file, string.Empty);
        Assert.Equal(string.Empty, Run(messages: Array.Empty<string>()));

        // No report file named: nothing to read.
        File.WriteAllLines(_file, new[] { LeakLine });
        var output = new StringWriter();
        var events = new Events();
        new TestRunLogger(output).Initialize(events, "results");
        events.Complete();
        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void Initialize_checks_its_arguments()
    {
        var logger = new TestRunLogger(TextWriter.Null);
        Assert.Throws<ArgumentNullException>(() => logger.Initialize(null!, new Dictionary<string, string?>()));
        Assert.Throws<ArgumentNullException>(() => logger.Initialize(new Events(), (Dictionary<string, string?>)null!));
        Assert.Throws<ArgumentNullException>(() => new TestRunLogger(null!));
    }

    [Fact]
    public void The_packages_run_settings_name_the_logger_and_collector_as_their_code_does()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "runtime", "CheckedMmap.Package", "buildTransitive", "CheckedMmap.targets")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        string targets = File.ReadAllText(Path.Combine(dir!, "runtime", "CheckedMmap.Package", "buildTransitive", "CheckedMmap.targets"));
        Assert.Contains($"friendlyName=&quot;{TestRunLogger.FriendlyName}&quot; uri=&quot;{TestRunLogger.ExtensionUri}&quot;", targets);
        Assert.Contains($"&lt;{TestRunLogger.ReportFileParameter}&gt;", targets);
        Assert.Contains($"&lt;{TestRunLogger.MSBuildOutputParameter}&gt;", targets);
        foreach (Type type in new[] { typeof(TestRunLogger), typeof(TestRunCollector) })
        {
            System.Reflection.AssemblyName assembly = type.Assembly.GetName();
            Assert.Contains($"{type.FullName}, {assembly.Name}, Version={assembly.Version}, Culture=neutral, PublicKeyToken=null", targets);
        }
    }

    private string Run(IEnumerable<string> messages, string? failed = null, string? passed = null, string? alsoFailed = null)
    {
        var output = new StringWriter();
        var events = new Events();
        new TestRunLogger(output).Initialize(events, new Dictionary<string, string?> { [TestRunLogger.ReportFileParameter] = _file });
        foreach (string message in messages)
        {
            events.Message(message);
        }

        if (failed != null)
        {
            events.Result(failed, TestOutcome.Failed);
        }

        if (passed != null)
        {
            events.Result(passed, TestOutcome.Passed);
        }

        if (alsoFailed != null)
        {
            events.Result(alsoFailed, TestOutcome.Failed);
        }

        events.Complete();
        return output.ToString().Trim();
    }

    /// <summary>The events vstest.console raises for its loggers.</summary>
    private sealed class Events : TestLoggerEvents
    {
        public override event EventHandler<TestRunMessageEventArgs>? TestRunMessage;
        public override event EventHandler<TestRunStartEventArgs>? TestRunStart;
        public override event EventHandler<TestResultEventArgs>? TestResult;
        public override event EventHandler<TestRunCompleteEventArgs>? TestRunComplete;
        public override event EventHandler<DiscoveryStartEventArgs>? DiscoveryStart { add { } remove { } }
        public override event EventHandler<TestRunMessageEventArgs>? DiscoveryMessage { add { } remove { } }
        public override event EventHandler<DiscoveredTestsEventArgs>? DiscoveredTests { add { } remove { } }
        public override event EventHandler<DiscoveryCompleteEventArgs>? DiscoveryComplete { add { } remove { } }

        public void Start() => TestRunStart?.Invoke(this, new TestRunStartEventArgs(new Microsoft.VisualStudio.TestPlatform.ObjectModel.Client.TestRunCriteria(new[] { "tests.dll" }, 1)));

        public void Result(string fullyQualifiedName, TestOutcome outcome) =>
            TestResult?.Invoke(this, new TestResultEventArgs(new Microsoft.VisualStudio.TestPlatform.ObjectModel.TestResult(
                new Microsoft.VisualStudio.TestPlatform.ObjectModel.TestCase(fullyQualifiedName, new Uri("executor://xunit"), "tests.dll")) { Outcome = outcome }));

        public void Message(string text) => TestRunMessage?.Invoke(this, new TestRunMessageEventArgs(TestMessageLevel.Error, text));

        public void Complete(bool aborted = false) =>
            TestRunComplete?.Invoke(this, new TestRunCompleteEventArgs(null, false, aborted, null, new Collection<Microsoft.VisualStudio.TestPlatform.ObjectModel.AttachmentSet>(), TimeSpan.Zero));
    }
}
