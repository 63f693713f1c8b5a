// Stacks are captured as StackTrace objects (cheap: no strings) and turned into text only for a report.
using System;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace CheckedMmap
{
    internal static class StackRendering
    {
        private static readonly Assembly Own = typeof(StackRendering).Assembly;

        /// <summary>
        /// The creation stack: every mode but <see cref="StackCaptureMode.None"/> takes one (a full runtime stack walk, the
        /// one expensive step of a checked call, so at most one per mapping lifetime by default).
        /// </summary>
        public static StackTrace? CaptureCreation(StackCaptureMode mode) => mode switch
        {
            StackCaptureMode.None => null,
            StackCaptureMode.MethodsWithFileLine => new StackTrace(1, true),
            _ => new StackTrace(1, false),
        };

        /// <summary>
        /// The destruction stack: only <see cref="StackCaptureMode.MethodsWithFileLine"/> takes one; the others record the
        /// destroying call's site (file:line) through the caller-info parameters, which costs nothing.
        /// </summary>
        public static StackTrace? CaptureDestruction(StackCaptureMode mode) =>
            mode == StackCaptureMode.MethodsWithFileLine ? new StackTrace(1, true) : null;

        /// <summary>A history entry: the call site line when known, then the stack or why there is none.</summary>
        public static string Render(CallSite? site, StackTrace? trace, bool creation)
        {
            if (site == null)
            {
                return trace == null && !creation
                    ? "    (no stack: only StackCaptureMode.MethodsWithFileLine (CHECKEDMMAP_STACKS=fileline) captures destruction stacks)" + Environment.NewLine
                    : Render(trace);
            }

            string head = "    " + site.ToString() + Environment.NewLine;
            if (trace != null)
            {
                return head + Render(trace);
            }

            return head + (creation
                ? "    (no stack: capture is off; set CheckedMmapOptions.StackCapture or CHECKEDMMAP_STACKS=methods)"
                : "    (no stack: only StackCaptureMode.MethodsWithFileLine (CHECKEDMMAP_STACKS=fileline) captures destruction stacks)") + Environment.NewLine;
        }

        /// <summary>"    #0 at Ns.Type.Method(Int32) in /src/File.cs:line 12" per frame, CheckedMmap's own frames left out.</summary>
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
            Justification = "Reports only: a trimmed method renders with less detail, never wrongly.")]
        public static string Render(StackTrace? trace)
        {
            if (trace == null)
            {
                return "    (no stack: capture is off; set CheckedMmapOptions.StackCapture or CHECKEDMMAP_STACKS=methods for creation stacks, fileline for both)" + Environment.NewLine;
            }

            var sb = new StringBuilder();
            int n = 0;
            StackFrame[] frames = trace.GetFrames();
            for (int i = 0; i < frames.Length; i++)
            {
                StackFrame f = frames[i];
                MethodBase? m = f.GetMethod();
                if (m == null)
                {
                    continue;
                }

                // The runtime's exception dispatch frames (fault reports are rendered during dispatch).
                if (m.DeclaringType?.FullName?.StartsWith("System.Runtime.EH", StringComparison.Ordinal) == true)
                {
                    continue;
                }

                if (m.DeclaringType?.Assembly == Own)
                {
                    // Keep only the outermost public Mman frame (the void* overload calls the nint one).
                    MethodBase? outer = i + 1 < frames.Length ? frames[i + 1].GetMethod() : null;
                    if (!IsUserFacing(m) || (outer != null && IsUserFacing(outer)))
                    {
                        continue;
                    }
                }

                sb.Append("    #").Append(n.ToString(CultureInfo.InvariantCulture)).Append(" at ");
                AppendMethod(sb, m);
                string? file = f.GetFileName();
                if (file != null)
                {
                    sb.Append(" in ").Append(file).Append(":line ").Append(f.GetFileLineNumber().ToString(CultureInfo.InvariantCulture));
                }

                sb.AppendLine();
                n++;
            }

            if (n == 0)
            {
                sb.AppendLine("    (no frames)");
            }

            return sb.ToString();
        }

        // The public entry point (Mman.munmap, ...) is the "interceptor" frame, as ASan shows __interceptor_free.
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
