// The first capture of a return-address sequence: the runtime's walk, and the check that the sequence names exactly
// that walk's frames (see FramePointerStacks.cs).
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace CheckedMmap.Reports
{
    internal static unsafe partial class FramePointerStacks
    {
        // A method's code header (EEJitManager's CodeHeader) sits in the 8 bytes before its code and points to a record
        // whose first fields include the method's MethodDesc; the fields are searched, so their order may change.
        private const int CodeHeaderFieldsSearched = 8;

        // The most stack a frame without a frame record is searched through for its return address.
        private const int LargestFramelessFrame = 4096;

        // How far past a method's start its funclets may lie (they follow its body in the same block of code).
        private const int LargestMethodWithFunclets = 1 << 16;

        // The most native frames of the runtime's (built with frame records) stepped through between two managed frames.
        private const int NativeFramesBetween = 8;

        // Where code lies, by checkedmmap_module_kind: generated code, a loaded module, the .NET runtime.
        private const int GeneratedCode = 0;
        private const int TheRuntime = 2;

        private const byte PushRbp = 0x55;

        /// <summary>Takes the runtime's walk, checks the return addresses against it, remembers the result.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        [SkipLocalsInit]
        private static CapturedStack Learn(in WalkStart start, nint* firstReturnAddresses, int firstCount, int depth, ref int ownFrames)
        {
            if (CountingForTests)
            {
                Interlocked.Increment(ref LearnCount);
            }

            CapturedStack taken = CapturedStack.TakeMethodsOnly(depth, ref ownFrames);
            CapturedStack stack = InternedStacks.Intern(taken); // the same path's stack from before, taken elsewhere
            int max = KeyLimit(depth);
            nint* returnAddresses = stackalloc nint[max];
            lock (LearnSync)
            {
                if (_paths.Count >= Capacity)
                {
                    return stack;
                }

                // Sizes are published only with the path that needs them, once it is accounted for: a path's stack holds
                // the code they describe in place.
                var learned = new Dictionary<nint, int>();
                var named = new List<nint>();
                if (Account(start, taken, learned, named, out bool stoppedAtLimit) && _frameless.TryWith(learned, out FramelessSizes sizes))
                {
                    int count = Walk(start, returnAddresses, max, sizes);
                    var sequence = new ReadOnlySpan<nint>(returnAddresses, count);
                    if (Covers(sequence, named, stoppedAtLimit, max))
                    {
                        Volatile.Write(ref _frameless, sizes);
                        Volatile.Write(ref _paths, _paths.With(sequence, depth, sizes.Version, stack));
                        return stack;
                    }
                }

                // The sequence this capture started from, remembered as one that takes the runtime's walk (for readers
                // of every version of the sizes: a wrong "unverified" only costs a walk).
                Volatile.Write(ref _paths, _paths.With(new ReadOnlySpan<nint>(firstReturnAddresses, firstCount), depth, 0, null));
            }

            return stack;
        }

        /// <summary>Whether the walk's return addresses, read again with what <see cref="Account"/> learned, begin with the
        /// ones it named; and, where the walk reached the stack's last managed frame, go on only through native code to
        /// the end of the frame chain (no managed frame may hide below it).</summary>
        private static bool Covers(ReadOnlySpan<nint> sequence, List<nint> named, bool stoppedAtLimit, int max)
        {
            if (!sequence.StartsWith(CollectionsMarshal.AsSpan(named)))
            {
                return false;
            }

            if (stoppedAtLimit)
            {
                return true;
            }

            if (sequence.Length == max)
            {
                return false; // the frame chain goes on past what a sequence holds
            }

            for (int i = named.Count; i < sequence.Length; i++)
            {
                if (ModuleKind((nuint)sequence[i]) == GeneratedCode)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The return address a step looks for: into a managed frame at the offset the runtime's walk gives, or
        /// (below the stack's last managed frame) into native code.</summary>
        private readonly struct Target
        {
            public Target(IntPtr method, int offset)
            {
                Method = method;
                Offset = offset;
            }

            public IntPtr Method { get; }

            public int Offset { get; }

            public bool IsNative => Method == IntPtr.Zero;

            public bool IsReturnInto(nint returnAddress, out nuint code)
            {
                if (IsNative)
                {
                    code = 0;
                    return ModuleKind((nuint)returnAddress) != GeneratedCode;
                }

                return IsCodeOf(returnAddress, Method, Offset, out code);
            }
        }

        /// <summary>Finds each frame of <paramref name="stack"/>'s walk below <see cref="Take"/> on the stack, in order,
        /// from <see cref="Take"/>'s frame record: the return addresses it passes go to <paramref name="named"/>, the
        /// sizes of frames without a record to <paramref name="learned"/>. False when a frame is not where the walk says.</summary>
        private static bool Account(in WalkStart start, CapturedStack stack, Dictionary<nint, int> learned, List<nint> named, out bool stoppedAtLimit)
        {
            if (!stack.TryGetWalk(out object walk, out IntPtr[] handles, out int frameCount, out stoppedAtLimit))
            {
                return false;
            }

            int[]? offsets = RuntimeStackWalk.NativeOffsets(walk);
            int anchor = Array.IndexOf(handles, AnchorHandle, 0, frameCount);
            nuint end = start.End;
            nint returnAddress = start.ReturnAddress; // into Take, from the native call: the frame the walk names at `anchor`
            if (offsets == null || offsets.Length < frameCount || anchor < 0 || anchor == frameCount - 1 || returnAddress == 0)
            {
                return false;
            }

            nuint slot = start.Slot;
            nuint framePointer = start.FramePointer;
            named.Add(returnAddress);
            if (!IsSomewhereInCodeOf(returnAddress, AnchorHandle))
            {
                // Code compiled for debugging calls the native helper through an interop stub: the first return address
                // is the stub's, whose record leads into Take.
                if (!StepToCallerRecord(ref slot, ref framePointer, end, out returnAddress) || !IsSomewhereInCodeOf(returnAddress, AnchorHandle))
                {
                    return false;
                }

                named.Add(returnAddress);
            }

            nuint code = 0; // where the current frame's method's code begins (unknown for Take)
            int last = stoppedAtLimit ? frameCount - 1 : frameCount; // below the stack's last managed frame: native code
            for (int frame = anchor; frame < last; frame++)
            {
                var target = frame + 1 < frameCount ? new Target(handles[frame + 1], offsets[frame + 1]) : default;

                // Code that begins with `push rbp` keeps a frame record; code that does not has no record (its frame size
                // is learned) or is an OSR body, whose record leads to its Tier0 frame. Take's own code is not known: a
                // record is tried first there.
                bool hasRecord = frame == anchor || BeginsWithPushRbp(code);
                nuint slotBefore = slot, framePointerBefore = framePointer;
                int namedBefore = named.Count;
                nint next = 0;
                bool found = hasRecord
                    ? StepThroughRecords(ref slot, ref framePointer, end, handles[frame], target, osrOnly: false, named, learned, out next, out code)
                    : !target.IsNative && StepOver(ref slot, framePointer, end, returnAddress, target, learned, out next, out code);
                if (!found)
                {
                    slot = slotBefore;
                    framePointer = framePointerBefore;
                    named.RemoveRange(namedBefore, named.Count - namedBefore);
                    found = hasRecord
                        ? frame == anchor && StepOver(ref slot, framePointer, end, returnAddress, target, learned, out next, out code)
                        : StepThroughRecords(ref slot, ref framePointer, end, handles[frame], target, osrOnly: true, named, learned, out next, out code);
                    if (!found)
                    {
                        return false;
                    }
                }

                returnAddress = next;
                named.Add(returnAddress);
            }

            return true;
        }

        /// <summary>Steps over a frame without a record to the return address <paramref name="target"/> names, learning the
        /// frame's size (by <paramref name="returnAddress"/>, the return address into the frame).</summary>
        private static bool StepOver(ref nuint slot, nuint framePointer, nuint end, nint returnAddress, in Target target,
            Dictionary<nint, int> learned, out nint next, out nuint code)
        {
            if (!FindReturnAddress(ref slot, framePointer, end, target, pushedRbp: 0, out next, out code, out int size))
            {
                return false;
            }

            learned[returnAddress] = size;
            return true;
        }

        /// <summary>Follows frame records from the frame of <paramref name="method"/> to the return address
        /// <paramref name="target"/> names, through what the runtime's walk does not show between them: a few frames of
        /// the runtime's native code (which keep records), or one frame whose size is learned: a funclet in the caller's
        /// code (a finally or catch block, whose caller the walk shows at the call into it) or an OSR body's Tier0 frame
        /// in the method's own code. <paramref name="osrOnly"/>: only the last, for code without `push rbp`.</summary>
        private static bool StepThroughRecords(ref nuint slot, ref nuint framePointer, nuint end, IntPtr method, in Target target,
            bool osrOnly, List<nint> named, Dictionary<nint, int> learned, out nint returnAddress, out nuint code)
        {
            for (int native = 0; native <= NativeFramesBetween && StepToCallerRecord(ref slot, ref framePointer, end, out returnAddress); native++)
            {
                if (!osrOnly && target.IsReturnInto(returnAddress, out code))
                {
                    return true;
                }

                int kind = ModuleKind((nuint)returnAddress);
                if (kind == GeneratedCode)
                {
                    nint hidden = returnAddress;
                    // A funclet keeps its parent's rbp and saves none; an OSR body's Tier0 frame saved the rbp the OSR
                    // body's record holds.
                    bool funclet = !osrOnly && !target.IsNative && IsSomewhereInCodeOf(hidden, target.Method);
                    bool tier0 = !funclet && IsSomewhereInCodeOf(hidden, method);
                    if ((funclet || tier0)
                        && FindReturnAddress(ref slot, framePointer, end, target, tier0 ? framePointer : 0, out returnAddress, out code, out int size))
                    {
                        learned[hidden] = size;
                        named.Add(hidden);
                        return true;
                    }

                    break;
                }

                if (osrOnly || kind != TheRuntime || target.IsNative)
                {
                    break;
                }

                named.Add(returnAddress); // a native frame of the runtime's own, which its walk does not show; it keeps a record
            }

            returnAddress = 0;
            code = 0;
            return false;
        }

        /// <summary>Searches the frame above <paramref name="slot"/> for the return address <paramref name="target"/> names,
        /// which must be there once (a second copy leaves the frame's size unknown); <paramref name="size"/> is that
        /// frame's size. With <paramref name="pushedRbp"/>, the frame below that return address must begin by saving that
        /// frame pointer (one frame, with a record, directly under it).</summary>
        private static bool FindReturnAddress(ref nuint slot, nuint framePointer, nuint end, in Target target, nuint pushedRbp,
            out nint returnAddress, out nuint code, out int size)
        {
            nuint limit = Math.Min(Math.Min(framePointer, end - 8), slot + 8 + LargestFramelessFrame);
            nuint found = 0;
            returnAddress = 0;
            code = 0;
            for (nuint candidate = slot + 8; candidate <= limit; candidate += 8)
            {
                nint value = *(nint*)candidate;
                if (IsUserAddress((nuint)value) && (pushedRbp == 0 || *(nuint*)(candidate - 8) == pushedRbp)
                    && target.IsReturnInto(value, out nuint valueCode))
                {
                    if (found != 0)
                    {
                        size = 0;
                        return false;
                    }

                    found = candidate;
                    returnAddress = value;
                    code = valueCode;
                }
            }

            size = (int)(found - slot - 8);
            if (found == 0)
            {
                return false;
            }

            slot = found;
            return true;
        }

        /// <summary>Whether <paramref name="address"/> lies in code of <paramref name="method"/> that begins at most
        /// <see cref="LargestMethodWithFunclets"/> bytes before it (a code header naming the method is found there; code
        /// begins on a 16-byte boundary).</summary>
        [SkipLocalsInit]
        private static bool IsSomewhereInCodeOf(nint address, IntPtr method)
        {
            const int Page = 4096;
            byte* page = stackalloc byte[Page];
            nuint top = (nuint)address;
            for (nuint low = (top - 1) & ~(nuint)(Page - 1); top - low <= LargestMethodWithFunclets + Page; low -= Page)
            {
                if (ReadMemory(low, page, Page) == 0)
                {
                    return false;
                }

                for (nuint start = Math.Min(low + Page, top) & ~(nuint)15; start >= low + 8; start -= 16)
                {
                    nuint header = *(nuint*)(page + (start - 8 - low));
                    if ((header & 7) == 0 && IsUserAddress(header) && IsHeaderOf(header, method))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Whether <paramref name="returnAddress"/> lies <paramref name="offset"/> bytes into the code of the
        /// method <paramref name="method"/> (a MethodDesc), read from the code header; <paramref name="code"/> is where
        /// that code begins.</summary>
        private static bool IsCodeOf(nint returnAddress, IntPtr method, int offset, out nuint code)
        {
            code = (nuint)returnAddress - (nuint)offset;
            if (offset <= 0 || returnAddress == 0 || method == IntPtr.Zero)
            {
                return false;
            }

            nuint header;
            return ReadMemory(code - 8, &header, 8) != 0 && header != 0 && IsHeaderOf(header, method);
        }

        /// <summary>Whether the code header record at <paramref name="header"/> names <paramref name="method"/>.</summary>
        private static bool IsHeaderOf(nuint header, IntPtr method)
        {
            nint* fields = stackalloc nint[CodeHeaderFieldsSearched];
            if (ReadMemory(header, fields, (nuint)(CodeHeaderFieldsSearched * sizeof(nint))) == 0)
            {
                return false;
            }

            for (int i = 0; i < CodeHeaderFieldsSearched; i++)
            {
                if (fields[i] == method)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the code at <paramref name="code"/> begins with the JIT's frame-record prologue.</summary>
        private static bool BeginsWithPushRbp(nuint code)
        {
            byte first;
            return code != 0 && ReadMemory(code, &first, 1) != 0 && first == PushRbp;
        }
    }
}
