// Fault reports: which mapping a faulting address belongs to (inside an unmapped one, or in the guard page before
// or after one), in the common report shape.
using System.Collections.Generic;
using System.Globalization;
using CheckedMmap.Contract;
using CheckedMmap.Host;
using CheckedMmap.Registry;

namespace CheckedMmap.Reports
{
    internal static class FaultReports
    {
        /// <summary>The report for a fault at <paramref name="address"/>, or null when no CheckedMmap mapping explains it.</summary>
        public static FinishedReport? Build(ulong address, RenderedStack? managedAccess, string thread, NativeAccess? native, FaultEnd end)
        {
            if (!TryExplain(address, out MappingInfo? m, out string kind, out string words))
            {
                return null;
            }

            if (end == FaultEnd.RuntimeFailFast && native?.Symbol != null)
            {
                end = FaultEnd.NativeCrash;
            }

            var b = new ReportBuilder(ReportCategory.Fault, kind, words, thread);
            b.Location(address, m!);
            if (managedAccess is RenderedStack stack)
            {
                b.Line("access stack:").Stack(stack);
            }
            else if (native != null)
            {
                if (native.Symbol != null)
                {
                    b.Line("the access was made by native code at " + MmapMessages.Hex(native.Pc) + " in " + native.Symbol + ":");
                    string text = string.Empty;
                    for (int i = 0; i < native.Frames.Count; i++)
                    {
                        text += "    #" + i.ToString(CultureInfo.InvariantCulture) + " " + native.Frames[i] + System.Environment.NewLine;
                    }

                    b.Stack(new RenderedStack(text + "    (the walk stops at the first managed frame: the managed callers are not shown)" + System.Environment.NewLine,
                        native.Frames.Count > 0 ? native.Frames[0] : native.Symbol));
                }
                else
                {
                    b.Line("the access was made by managed code at " + MmapMessages.Hex(native.Pc) + "; the .NET runtime prints its stack below");
                }
            }

            if (end != FaultEnd.Exception && RunningTestRegistry.Used)
            {
                b.Line(RunningTestsLine(m!));
            }

            b.History(m!);
            switch (end)
            {
                case FaultEnd.RuntimeFailFast:
                    b.Line("the process ends: the .NET runtime prints the managed stack and fails fast (exit code 134); "
                        + "with DOTNET_legacyCorruptedStateExceptionsPolicy=1 (which the package sets for dotnet test -p:CheckedMmap=true) the fault is an AccessViolationException instead");
                    break;
                case FaultEnd.NativeCrash:
                    b.Line("the process ends: a fault in native code is never handed to managed code (SIGSEGV, exit code 139)");
                    break;
            }

            return b.Finish(endsProcess: end != FaultEnd.Exception);
        }

        /// <summary>Which test made the access, when a fault ends the process (no test result will say). The test
        /// platform's list of running tests lags behind (it hears of a test's end when its result is sent), so a test
        /// method on the mapping's creation stack decides among them, and is named even when the list lacks it.</summary>
        private static string RunningTestsLine(MappingInfo mapping)
        {
            IReadOnlyList<string> running = RunningTestRegistry.Names();
            List<string> creators = TestMethods.On(mapping.CreationStackTrace);
            foreach (string creator in creators)
            {
                foreach (string test in running)
                {
                    if (TestMethods.IsNamed(test, creator))
                    {
                        return "the test running then: " + test + " (it made " + mapping.Name + ")";
                    }
                }
            }

            string reported = running.Count switch
            {
                0 => "the test platform had reported no test running",
                1 => "the test platform had reported this test running: " + running[0],
                _ => "the test platform had reported these tests running (one of them, or one it had not reported yet, made the access): " + string.Join(", ", running),
            };
            if (creators.Count > 0)
            {
                return mapping.Name + " was made by the test " + creators[0] + "; " + reported;
            }

            return running.Count == 0 ? reported + " (the access came between tests, after the last one, or in a test it had not reported yet)" : reported;
        }

        private static bool TryExplain(ulong address, out MappingInfo? mapping, out string kind, out string words)
        {
            mapping = MmapRuntime.FindForFault(address);
            string hex = MmapMessages.Hex(address);
            if (mapping != null)
            {
                kind = mapping.State == MappingState.Live ? "invalid access"
                    : mapping.DestroyedBy == "mremap" ? "use after mremap" : "use after " + mapping.DestroyedBy;
                words = "access at " + hex + " inside " + mapping.Name;
                return true;
            }

            // Outside every mapping: the nearer of the mapping ending below and the mapping starting above, if the address
            // lies in the reservation that mapping was carved from (a guard page, or reserved space past it).
            MappingInfo? before = null;
            MappingInfo? after = null;
            foreach (MappingInfo m in MmapRuntime.Snapshot(liveOnly: false))
            {
                if (m.Start + m.SizeBytes <= address && m.SameReservation(address) && (before == null || m.Start > before.Start))
                {
                    before = m;
                }
                else if (m.Start > address && m.SameReservation(address) && (after == null || m.Start < after.Start))
                {
                    after = m;
                }
            }

            ulong pastEnd = before == null ? ulong.MaxValue : address - (before.Start + before.SizeBytes);
            ulong beforeStart = after == null ? ulong.MaxValue : after.Start - address;
            if (pastEnd == ulong.MaxValue && beforeStart == ulong.MaxValue)
            {
                kind = words = string.Empty;
                return false;
            }

            bool overflow = pastEnd <= beforeStart;
            mapping = overflow ? before : after;
            string freed = mapping!.State == MappingState.Live ? string.Empty : " (already " + (mapping.DestroyedBy == "mremap" ? "moved by mremap" : "unmapped by " + mapping.DestroyedBy) + ")";
            kind = overflow ? "buffer overflow" : "buffer underflow";
            words = overflow
                ? "access at " + hex + ", " + ReportBuilder.ByteCount(pastEnd) + " after the end of " + mapping.Name + freed
                : "access at " + hex + ", " + ReportBuilder.ByteCount(beforeStart) + " before the start of " + mapping.Name + freed;
            return true;
        }
    }
}
