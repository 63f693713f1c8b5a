// A recorded call stack. Methods-only stacks keep the runtime's walk (method handles and IL offsets, see
// RuntimeStackWalk) and become a StackTrace only when a report or the public API reads them; file:line stacks, and
// every stack where the walk is unavailable, are StackTrace objects from the start. Either way a stack knows its call
// path's identity (methods and IL offsets), which is what InternedStacks shares stacks by.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Threading;

namespace CheckedMmap.Reports
{
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "A method trimmed away compares and renders as null: its stacks are shared less and show less, never wrongly.")]
    internal sealed class CapturedStack
    {
        private readonly object? _walk;
        private readonly IntPtr[] _methodHandles;
        private readonly int[] _ilOffsets;
        private readonly int _frameCount;
        private StackTrace? _trace;

        private CapturedStack(StackTrace trace)
        {
            _trace = trace;
            _methodHandles = Array.Empty<IntPtr>();
            _ilOffsets = Array.Empty<int>();
        }

        private CapturedStack(object walk, IntPtr[] methodHandles, int[] ilOffsets, int frameCount)
        {
            _walk = walk;
            _methodHandles = methodHandles;
            _ilOffsets = ilOffsets;
            _frameCount = frameCount;
        }

        /// <summary>A stack taken as a StackTrace.</summary>
        public static CapturedStack Of(StackTrace trace) => new CapturedStack(trace);

        /// <summary>The calling thread's stack, methods only: the runtime's walk when available, else a StackTrace.</summary>
        /// <remarks>Inlined, like the walker's own entry, so that the walk does not spend frames on the capture itself.</remarks>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static CapturedStack TakeMethodsOnly()
        {
            if (RuntimeStackWalk.TryCapture(out object walk, out IntPtr[] handles, out int[] offsets, out int count))
            {
                return new CapturedStack(walk, handles, offsets, count);
            }

            return new CapturedStack(new StackTrace(1, false));
        }

        /// <summary>The stack as StackFrames, made once on first read for a walked stack.</summary>
        public StackTrace Trace
        {
            get
            {
                StackTrace? trace = Volatile.Read(ref _trace);
                if (trace == null)
                {
                    trace = Interlocked.CompareExchange(ref _trace, Materialize(), null) ?? _trace!;
                }

                return trace;
            }
        }

        /// <summary>FNV-1a over (method, IL offset) per frame: the identity of a call path.</summary>
        public long PathHash()
        {
            ulong h = 14695981039346656037UL;
            if (_walk != null)
            {
                for (int i = 0; i < _frameCount; i++)
                {
                    h = (h ^ (ulong)_methodHandles[i]) * 1099511628211UL;
                    h = (h ^ (uint)_ilOffsets[i]) * 1099511628211UL;
                }

                return (long)(h ^ (uint)_frameCount);
            }

            StackTrace trace = _trace!;
            int n = trace.FrameCount;
            for (int i = 0; i < n; i++)
            {
                StackFrame? frame = trace.GetFrame(i);
                h = (h ^ (ulong)MethodKey(frame?.GetMethod())) * 1099511628211UL;
                h = (h ^ (uint)(frame?.GetILOffset() ?? -1)) * 1099511628211UL;
            }

            return (long)(h ^ (uint)n);
        }

        /// <summary>Whether both stacks are the same call path (the same methods at the same IL offsets, frame by frame).</summary>
        public bool SamePath(CapturedStack other)
        {
            if ((_walk == null) != (other._walk == null))
            {
                return false;
            }

            if (_walk != null)
            {
                return _frameCount == other._frameCount
                    && _methodHandles.AsSpan(0, _frameCount).SequenceEqual(other._methodHandles.AsSpan(0, _frameCount))
                    && _ilOffsets.AsSpan(0, _frameCount).SequenceEqual(other._ilOffsets.AsSpan(0, _frameCount));
            }

            StackTrace a = _trace!, b = other._trace!;
            int n = a.FrameCount;
            if (n != b.FrameCount)
            {
                return false;
            }

            for (int i = 0; i < n; i++)
            {
                StackFrame? x = a.GetFrame(i);
                StackFrame? y = b.GetFrame(i);
                if (!Equals(x?.GetMethod(), y?.GetMethod()) || x?.GetILOffset() != y?.GetILOffset())
                {
                    return false;
                }
            }

            return true;
        }

        private StackTrace Materialize()
        {
            // The walk starts inside the capture itself; the stack begins at the capture's caller, as StackTrace(1) would.
            var frames = new List<StackFrame>(_frameCount);
            bool inCapture = true;
            for (int i = 0; i < _frameCount; i++)
            {
                StackFrame? frame = RuntimeStackWalk.MakeFrame(_walk!, i);
                if (frame == null)
                {
                    continue;
                }

                if (inCapture && IsCaptureMachinery(frame.GetMethod()))
                {
                    continue;
                }

                inCapture = false;
                frames.Add(frame);
            }

            return new StackTrace(frames);
        }

        private static bool IsCaptureMachinery(MethodBase? method)
        {
            Type? type = method?.DeclaringType;
            return type == null // the walker's dynamic method
                || type == typeof(StackTrace)
                || type == typeof(RuntimeStackWalk)
                || type == typeof(CapturedStack)
                || type == typeof(StackRendering);
        }

        private static long MethodKey(MethodBase? method)
        {
            if (method == null)
            {
                return 0;
            }

            try
            {
                return (long)method.MethodHandle.Value;
            }
            catch (Exception e) when (e is InvalidOperationException || e is NotSupportedException)
            {
                // Methods without a handle (dynamic methods) are told apart by name; equality is checked anyway.
                return method.Name.GetHashCode();
            }
        }
    }
}
