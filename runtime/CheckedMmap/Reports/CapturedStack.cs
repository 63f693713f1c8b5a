// A recorded call stack. Methods-only stacks keep the runtime's walk (method handles and IL offsets, see
// RuntimeStackWalk) and become a StackTrace only when a report or the public API reads them; file:line stacks, and
// every stack where the walk is unavailable, are StackTrace objects from the start. Either way a stack knows its call
// path's identity (methods and IL offsets), which is what InternedStacks shares stacks by. A stack keeps at most
// `depth` frames below CheckedMmap's own (CHECKEDMMAP_STACK_DEPTH, like ASan's malloc_context_size): the walk is asked
// for that many plus the frames CheckedMmap itself spends, so a call deep in a test framework is as cheap to record as
// one near the thread's start, and the frames past the depth are dropped when the stack is first read.
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

        // Where the call path starts in a walk: CheckedMmap's entry point (shown in reports); the frames above it are the
        // walk's and CheckedMmap's own, as many as inlining left, and no part of the caller's path.
        private readonly int _pathStart;
        private readonly int _depth;
        private readonly bool _walkMayGoOn;
        private StackTrace? _trace;
        private int _framesCut;

        private CapturedStack(StackTrace trace, int depth)
        {
            _methodHandles = Array.Empty<IntPtr>();
            _ilOffsets = Array.Empty<int>();
            _depth = depth;
            _trace = depth == 0 ? trace : Cut(new List<StackFrame>(trace.GetFrames()), depth, walkMayGoOn: false, out _framesCut) ?? trace;
        }

        private CapturedStack(object walk, IntPtr[] methodHandles, int[] ilOffsets, int frameCount, int ownFrames, int depth, bool walkMayGoOn)
        {
            _walk = walk;
            _pathStart = Math.Max(0, ownFrames - 1);
            _methodHandles = methodHandles;
            _ilOffsets = ilOffsets;

            // The depth's frames and one more (telling whether the stack goes on), whatever room the walk had: a path's
            // stack is the same from every capture site.
            int kept = depth == 0 ? frameCount : Math.Min(frameCount, ownFrames + depth + 1);
            _frameCount = kept;
            _depth = depth;
            _walkMayGoOn = walkMayGoOn || kept < frameCount;
        }

        /// <summary>Frames the walk spends above the caller's stack: the runtime's walk and its interop stub, the walker,
        /// CheckedMmap's entry point and what is not inlined into it. How many depends on the entry point and on how its
        /// code was compiled (fewer once optimized), so each capture site keeps the count its last deep walk found,
        /// starting here.</summary>
        internal const int OwnFramesAllowance = 6;

        /// <summary>A stack taken as a StackTrace, cut to <paramref name="depth"/> frames below CheckedMmap's (0: all).</summary>
        public static CapturedStack Of(StackTrace trace, int depth) => new CapturedStack(trace, depth);

        /// <summary>The calling thread's stack, methods only, at most <paramref name="depth"/> frames below CheckedMmap's
        /// own (0: all): the runtime's walk when available, else a StackTrace. <paramref name="ownFrames"/> is the capture
        /// site's count of CheckedMmap's frames above the caller's (see <see cref="OwnFramesAllowance"/>).</summary>
        /// <remarks>Inlined, like the walker's own entry, so that the walk does not spend frames on the capture itself.</remarks>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static CapturedStack TakeMethodsOnly(int depth, ref int ownFrames)
        {
            // Room for CheckedMmap's frames, the depth, and one frame more to tell whether the stack goes on.
            int limit = depth == 0 ? 0 : depth + ownFrames + 1;
            if (RuntimeStackWalk.TryCapture(limit, out object walk, out IntPtr[] handles, out int[] offsets, out int count))
            {
                return FromWalk(walk, handles, offsets, count, depth, limit, ref ownFrames);
            }

            return new CapturedStack(new StackTrace(0, false), depth); // CheckedMmap's frames are cut by assembly
        }

        /// <summary>A walk as a stack. One that stopped at its limit is kept when CheckedMmap's frames left the depth to
        /// the caller, else taken again with room for them (before CheckedMmap's code is optimized, or on a new path).</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static CapturedStack FromWalk(object walk, IntPtr[] handles, int[] offsets, int count, int depth, int limit, ref int ownFrames)
        {
            int own = RuntimeStackWalk.CountLeadingOwnFrames(handles, count);
            if (limit != 0 && count >= limit)
            {
                if (own > limit - depth - 1)
                {
                    // This method is one more frame of CheckedMmap's in the new walk; a walk of CheckedMmap's frames only
                    // does not say how many there are: the whole stack then.
                    limit = own == count ? 0 : depth + own + 2;
                    if (!RuntimeStackWalk.TryCapture(limit, out walk, out handles, out offsets, out count))
                    {
                        return new CapturedStack(new StackTrace(0, false), depth);
                    }

                    own = RuntimeStackWalk.CountLeadingOwnFrames(handles, count);
                }

                Volatile.Write(ref ownFrames, own); // fewer once the site's code is optimized: the next walk asks for less
                if (limit != 0)
                {
                    count = Math.Min(count, limit); // a runtime that walked past the limit: the frames of one that stopped
                }
            }

            return new CapturedStack(walk, handles, offsets, count, own, depth, walkMayGoOn: limit != 0 && count == limit);
        }

        /// <summary>The runtime's walk this stack was made from (false for a stack taken as a StackTrace): the filled
        /// helper, the method handle of each frame, how many frames, and whether the walk stopped at its limit (else it
        /// reached the stack's last managed frame).</summary>
        public bool TryGetWalk(out object walk, out IntPtr[] methodHandles, out int frameCount, out bool stoppedAtLimit)
        {
            walk = _walk!;
            methodHandles = _methodHandles;
            frameCount = _frameCount;
            stoppedAtLimit = _walkMayGoOn;
            return _walk != null;
        }

        /// <summary>The depth the stack was cut to (0: not cut).</summary>
        public int Depth => _depth;

        /// <summary>How many frames below the depth were not kept, once <see cref="Trace"/> has been read; -1 when the walk
        /// stopped at its limit, so that how many more frames there were is unknown.</summary>
        public int FramesCut
        {
            get
            {
                _ = Trace;
                return Volatile.Read(ref _framesCut);
            }
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

        /// <summary>FNV-1a over (method, IL offset) per frame from CheckedMmap's entry point: the identity of a call path.</summary>
        public long PathHash()
        {
            ulong h = 14695981039346656037UL;
            if (_walk != null)
            {
                for (int i = _pathStart; i < _frameCount; i++)
                {
                    h = (h ^ (ulong)_methodHandles[i]) * 1099511628211UL;
                    h = (h ^ (uint)_ilOffsets[i]) * 1099511628211UL;
                }

                return (long)(h ^ (uint)(_frameCount - _pathStart));
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
                int length = _frameCount - _pathStart;
                return length == other._frameCount - other._pathStart
                    && _methodHandles.AsSpan(_pathStart, length).SequenceEqual(other._methodHandles.AsSpan(other._pathStart, length))
                    && _ilOffsets.AsSpan(_pathStart, length).SequenceEqual(other._ilOffsets.AsSpan(other._pathStart, length));
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

            StackTrace? cut = Cut(frames, _depth, _walkMayGoOn, out int framesCut);
            Volatile.Write(ref _framesCut, framesCut);
            return cut ?? new StackTrace(frames);
        }

        /// <summary>The frames down to CheckedMmap's outermost own frame and <paramref name="depth"/> frames below it as a
        /// new StackTrace, or null when nothing is cut. <paramref name="framesCut"/>: frames left out, -1 when unknown
        /// (the walk stopped at its limit).</summary>
        private static StackTrace? Cut(List<StackFrame> frames, int depth, bool walkMayGoOn, out int framesCut)
        {
            framesCut = 0;
            if (depth == 0)
            {
                return null;
            }

            int firstBelowOwn = 0;
            while (firstBelowOwn < frames.Count && IsOwn(frames[firstBelowOwn].GetMethod()))
            {
                firstBelowOwn++;
            }

            int keep = firstBelowOwn + depth;
            if (frames.Count <= keep)
            {
                // All walked frames are kept; a walk that stopped at its limit with fewer (CheckedMmap spent more frames
                // than allowed for) may still have had more below.
                framesCut = walkMayGoOn ? -1 : 0;
                return null;
            }

            framesCut = walkMayGoOn ? -1 : frames.Count - keep;
            frames.RemoveRange(keep, frames.Count - keep);
            return new StackTrace(frames);
        }

        private static bool IsOwn(MethodBase? method) => method?.DeclaringType?.Assembly == typeof(CapturedStack).Assembly;

        private static bool IsCaptureMachinery(MethodBase? method)
        {
            Type? type = method?.DeclaringType;
            return type == null // the walker's dynamic method
                || type == typeof(StackTrace)
                || type == typeof(RuntimeStackWalk)
                || type == typeof(FramePointerStacks)
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
