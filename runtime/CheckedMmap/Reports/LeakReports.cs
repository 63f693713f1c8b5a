using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CheckedMmap.Registry;

namespace CheckedMmap.Reports
{
    /// <summary>Leak reports, for <see cref="MmapTracker"/>, leak scopes and the check at process exit.</summary>
    internal static class LeakReports
    {
        /// <summary>A leak report; <paramref name="when"/> ("at process exit") ends the headline, null for none; such a
        /// report ends the process (no exception carries it). A mapping that was the subject of an Undefined Behavior or
        /// fault exception raised in the flow of <paramref name="scope"/> (the scope being checked) points to that
        /// exception's report instead of repeating its stacks: a test that faults and then checks its leaks fails with
        /// both exceptions, side by side. At exit (<paramref name="when"/> set), a mapping an earlier leak check reported in
        /// an exception gets one line instead of its stacks again.</summary>
        public static FinishedReport Build(IReadOnlyList<MappingInfo> list, string? when, LeakScope? scope = null)
        {
            ulong bytes = 0;
            foreach (MappingInfo m in list)
            {
                bytes += m.SizeBytes;
            }

            string counted = string.Format(CultureInfo.InvariantCulture, "{0} {1} ({2} bytes) still mapped{3}",
                list.Count, list.Count == 1 ? "mapping" : "mappings", bytes, when == null ? string.Empty : " " + when);
            var b = new ReportBuilder(ReportCategory.Leak, "leak", counted, thread: null);
            foreach (MappingInfo m in list)
            {
                b.Line(MappingDescription.Shape(m) + ", " + MappingDescription.State(m) + InTest(m));
                if (scope != null && m.Reported is ReportedMark reported && scope.Contains(reported.Scope))
                {
                    string? file = MmapRuntime.ReportFile;
                    b.InsteadOfHistory(m, m.Name + " is the mapping of the " + reported.Kind + " reported earlier in this leak scope's flow: the "
                        + reported.Exception + " raised then carries that report, with where " + m.Name + " was created"
                        + (m.CreationCallSite is CallSite site ? " (" + site + ")" : string.Empty)
                        + (string.IsNullOrEmpty(file) ? string.Empty : "; the report file " + file + " holds it too"));
                }
                else if (when != null && m.LeakReported)
                {
                    string? file = MmapRuntime.ReportFile;
                    b.InsteadOfHistory(m, m.Name + " was reported leaked earlier, by a leak check whose MmapLeakException carries its stacks"
                        + (m.CreationCallSite is CallSite created ? " (" + created + ")" : string.Empty)
                        + (string.IsNullOrEmpty(file) ? string.Empty : "; the report file " + file + " holds that report too"));
                }
                else
                {
                    b.History(m);
                }
            }

            // The SUMMARY names where the oldest leaked mapping was created (its first frame of user code) and in which
            // test: at the end of a run, the one line a build error shows has to lead to the test.
            string? where = list.Count == 0 ? null : StackRendering.Render(list[0].CreationStackTrace).FirstFrame;
            return b.Finish(endsProcess: when != null, summary: string.Format(CultureInfo.InvariantCulture,
                "{0} bytes leaked in {1} {2}{3}{4}.", bytes, list.Count, list.Count == 1 ? "mapping" : "mappings",
                list.Count == 0 ? string.Empty : " (" + Names(list) + ")",
                where == null ? string.Empty : ", the first created in " + where + InTest(list[0])));
        }

        /// <summary>", in the test Ns.Type.Method" for a mapping a test method made (on its creation stack), else "".</summary>
        private static string InTest(MappingInfo m)
        {
            List<string> tests = TestMethods.On(m.CreationStackTrace);
            return tests.Count == 0 ? string.Empty : ", in the test " + tests[0];
        }

        /// <summary>Reports live mappings at process exit or at the end of a test run (CHECKEDMMAP_LEAK_CHECK_AT_EXIT); the
        /// report's text, or null when there were none.</summary>
        public static string? ReportAtExit(bool processExit, bool print = true)
        {
            List<MappingInfo> live = MmapRuntime.LeakCandidates();
            if (live.Count == 0)
            {
                return null;
            }

            FinishedReport report = Build(live, processExit ? "at process exit" : "at the end of the test run");
            if (print)
            {
                ReportSink.Print(report);
            }
            else
            {
                ReportSink.Record(report);
            }

            return report.Text;
        }

        private static string Names(IReadOnlyList<MappingInfo> list)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < list.Count && i < 5; i++)
            {
                sb.Append(i == 0 ? string.Empty : ", ").Append(list[i].Name);
            }

            if (list.Count > 5)
            {
                sb.Append(", ...");
            }

            return sb.ToString();
        }
    }
}
