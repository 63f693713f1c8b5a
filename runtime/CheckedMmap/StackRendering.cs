// Stacks are captured as method handles and IL offsets (cheap: no strings, see CapturedStack) and turned into text
// only for a report. Rendering keeps the user's frames: CheckedMmap's own (but the public Mman entry point), the
// runtime's reflection, exception dispatch and async/thread start-up plumbing, and test frameworks' frames are left
// out and counted.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using CheckedMmap.Reports;

namespace CheckedMmap
{
    internal static class StackRendering
    {
        private const string NoStackFileLine = "(no stack: capture is off; CHECKEDMMAP_STACKS=methods or fileline captures creation and destruction stacks)";

        private static readonly Assembly Own = typeof(StackRendering).Assembly;

        // Namespaces whose frames are plumbing between the user's code and the thread's start: never where a bug is.
        private static readonly string[] Plumbing =
        {
            "System.Runtime.EH",
            "System.Runtime.CompilerServices.",
            "System.Runtime.ExceptionServices.",
            "System.Reflection.",
            "System.RuntimeMethodHandle",
            "System.Threading.ExecutionContext",
            "System.StartupHookProvider", // a startup hook's entry (the child-process scenarios run through one)
            "System.Threading.Thread",
            "System.Threading.ThreadPool",
            "System.Threading.PortableThreadPool",
            "System.Threading.ThreadPoolWorkQueue",
            "System.Threading.Tasks.Task",
            "System.Threading.Tasks.ThreadPoolTaskScheduler",
            "System.Threading.Tasks.AwaitTaskContinuation",
            "System.Threading.Tasks.ContinuationTaskFromTask",
            "System.Threading.Tasks.ContinuationResultTaskFromTask",
            "System.Threading.Tasks.SynchronizationContextAwaitTaskContinuation",
            "System.Threading.QueueUserWorkItemCallback",
            "System.Threading.TimerQueue",
            "System.Threading.WaitHandle",
            "System.Threading.Tasks.TaskScheduler",
            "System.Threading.Tasks.Parallel",
            "Xunit.",
            "xunit.",
            "NUnit.",
            "Microsoft.VisualStudio.TestTools.",
            "Microsoft.VisualStudio.TestPlatform.",
            "Microsoft.TestPlatform.",
            "Microsoft.Testing.",
            "TUnit.",
        };

        // CheckedMmap's frames above the caller's, per capture site (see CapturedStack.OwnFramesAllowance).
        private static int _creationOwnFrames = CapturedStack.OwnFramesAllowance;
        private static int _destructionOwnFrames = CapturedStack.OwnFramesAllowance;
        private static int _moveOwnFrames = CapturedStack.OwnFramesAllowance;

        /// <summary>The creation stack (mmap), at most <paramref name="depth"/> frames below CheckedMmap's own (0: all):
        /// taken in every mode but <see cref="StackCaptureMode.None"/> (file:line only with MethodsWithFileLine).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static CapturedStack? CaptureCreation(StackCaptureMode mode, int depth) => Capture(mode, depth, ref _creationOwnFrames);

        /// <summary>The stack of an mremap: the new mapping's creation and the old one's destruction.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static CapturedStack? CaptureMove(StackCaptureMode mode, int depth) => Capture(mode, depth, ref _moveOwnFrames);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static CapturedStack? Capture(StackCaptureMode mode, int depth, ref int ownFrames) => mode switch
        {
            StackCaptureMode.None => null,
            StackCaptureMode.MethodsWithFileLine => CapturedStack.Of(new StackTrace(0, true), depth), // CheckedMmap's frames, however many inlining left, are cut by assembly
            _ => FramePointerStacks.IsAvailable
                ? FramePointerStacks.Take(depth, ref ownFrames)
                : InternedStacks.Intern(CapturedStack.TakeMethodsOnly(depth, ref ownFrames)),
        };

        /// <summary>
        /// The destruction stack: taken in every mode but <see cref="StackCaptureMode.None"/>, like the creation stack, so
        /// a use after munmap or double munmap names whoever released, not only the allocator's release method.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static CapturedStack? CaptureDestruction(StackCaptureMode mode, int depth) => Capture(mode, depth, ref _destructionOwnFrames);

        /// <summary>A history entry: the call site line when known, then the stack or why there is none.</summary>
        public static string Render(CallSite? site, CapturedStack? stack)
        {
            string head = site == null ? string.Empty : "    " + site.ToString() + Environment.NewLine;
            if (stack != null)
            {
                return head + Render(stack).Text;
            }

            return head + "    " + NoStackFileLine + Environment.NewLine;
        }

        /// <summary>A recorded stack rendered, saying where it was cut at the depth.</summary>
        public static RenderedStack Render(CapturedStack? stack) =>
            stack == null ? Render((StackTrace?)null) : Render(stack.Trace, stack.Depth, stack.FramesCut);

        /// <summary>"    #0 at Ns.Type.Method(Int32 a) in /src/File.cs:line 12" per user frame, then how many were left out
        /// (and, for a stack cut at <paramref name="depth"/>, that it goes on: <paramref name="framesCut"/> frames, -1
        /// when not known).</summary>
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
            Justification = "Reports only: a trimmed method renders with less detail, never wrongly.")]
        public static RenderedStack Render(StackTrace? trace, int depth = 0, int framesCut = 0)
        {
            if (trace == null)
            {
                return RenderedStack.Lines("    " + NoStackFileLine + Environment.NewLine);
            }

            var sb = new StringBuilder();
            int shown = 0;
            int hidden = 0;
            bool lastHidden = false;
            string? first = null;
            List<string>? tests = null;
            StackFrame[] frames = trace.GetFrames();
            for (int i = 0; i < frames.Length; i++)
            {
                StackFrame f = frames[i];
                MethodBase? m = f.GetMethod();
                lastHidden = true; // until the frame is shown
                if (m == null)
                {
                    hidden++;
                    continue;
                }

                if (m.DeclaringType?.Assembly == Own)
                {
                    // Keep only the outermost public Mman frame (the "interceptor" frame, as ASan shows __interceptor_free).
                    MethodBase? outer = i + 1 < frames.Length ? frames[i + 1].GetMethod() : null;
                    if (!IsUserFacing(m) || (outer != null && IsUserFacing(outer)))
                    {
                        hidden++;
                        continue;
                    }
                }
                else if (IsPlumbing(m))
                {
                    hidden++;
                    continue;
                }

                var line = new StringBuilder();
                AppendMethod(line, m);
                string? file = f.GetFileName();
                int lineNumber = f.GetFileLineNumber();
                if (file == null && SourceLines.TryGet(m, f.GetILOffset(), out string? pdbFile, out int pdbLine))
                {
                    // Captured methods-only (the fast default): the line comes from the PDB now, for the report.
                    file = pdbFile;
                    lineNumber = pdbLine;
                }

                if (file != null)
                {
                    line.Append(" in ").Append(file).Append(":line ").Append(lineNumber.ToString(CultureInfo.InvariantCulture));
                }

                // The SUMMARY names the first frame of the user's own code (not CheckedMmap's, not the base library's).
                if (first == null && m.DeclaringType?.Assembly != Own && !IsLibrary(m))
                {
                    first = line.ToString();
                }

                if (TestMethods.NameOf(m) is string test && (tests == null || !tests.Contains(test)))
                {
                    (tests ??= new List<string>()).Add(test);
                }

                sb.Append("    #").Append(shown.ToString(CultureInfo.InvariantCulture)).Append(" at ").Append(line).AppendLine();
                shown++;
                lastHidden = false;
            }

            if (shown == 0)
            {
                sb.AppendLine("    (no frames of user code)");
            }

            // A stack cut below a frame the user sees may have lost more of the user's frames: said on a line of its own.
            // Cut inside the runtime's or a test framework's frames (a test under xunit), it is said with them.
            bool cutInPlumbing = framesCut != 0 && hidden > 0 && frames.Length > 0 && lastHidden;
            string recorded = depth.ToString(CultureInfo.InvariantCulture) + (depth == 1 ? " frame" : " frames") + " recorded after the Mman call";
            if (hidden > 0)
            {
                sb.Append("    (").Append(hidden.ToString(CultureInfo.InvariantCulture))
                  .Append(hidden == 1 ? " frame of CheckedMmap, the runtime or a test framework not shown" : " frames of CheckedMmap, the runtime or a test framework not shown")
                  .AppendLine(cutInPlumbing ? "; the stack goes on past the " + recorded + ")" : ")");
            }

            if (framesCut != 0 && !cutInPlumbing)
            {
                sb.Append("    (")
                  .Append(framesCut > 0 ? framesCut.ToString(CultureInfo.InvariantCulture) + (framesCut == 1 ? " more frame" : " more frames") : "more frames")
                  .Append(" past the ").Append(recorded).AppendLine("; CHECKEDMMAP_STACK_DEPTH=0 records them all)");
            }

            return new RenderedStack(sb.ToString(), first, tests);
        }

        private static bool IsLibrary(MethodBase m)
        {
            string? name = m.DeclaringType?.FullName;
            return name != null && (name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal));
        }

        private static bool IsPlumbing(MethodBase m)
        {
            string? ns = m.DeclaringType?.FullName;
            if (ns == null)
            {
                // The stubs System.Reflection emits to invoke a method once it has been invoked before (a test framework
                // running a test method, a theory's later rows): dynamic methods of no type.
                return m.Name.StartsWith("InvokeStub_", StringComparison.Ordinal);
            }

            foreach (string p in Plumbing)
            {
                if (ns.StartsWith(p, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsUserFacing(MethodBase m) => m.DeclaringType == typeof(Mman) && m.IsPublic;

        private static void AppendMethod(StringBuilder sb, MethodBase m)
        {
            Type? t = m.DeclaringType;
            if (t != null)
            {
                sb.Append((t.FullName ?? t.Name).Replace('+', '.')).Append('.');
            }

            sb.Append(m.Name);
            if (m.IsGenericMethod)
            {
                sb.Append('[');
                Type[] args = m.GetGenericArguments();
                for (int i = 0; i < args.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append(args[i].Name);
                }

                sb.Append(']');
            }

            sb.Append('(');
            ParameterInfo[] ps = m.GetParameters();
            for (int i = 0; i < ps.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                sb.Append(ps[i].ParameterType.Name);
                if (ps[i].Name != null)
                {
                    sb.Append(' ').Append(ps[i].Name);
                }
            }

            sb.Append(')');
        }
    }
}
