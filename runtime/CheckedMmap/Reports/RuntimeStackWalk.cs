// A methods-only capture needs, per frame, the method and its IL offset, and needs them as text only for a report.
// `new StackTrace(1, false)` also builds a StackFrame and resolves a MethodBase per frame at once, which is half of its
// cost. This walker calls the walk StackTrace itself uses (CoreCLR's StackFrameHelper, filled by the runtime) and keeps
// the helper: its arrays of method handles and IL offsets identify the path, and StackFrames are made from it for a
// report. Keeping the helper is what keeps its handles valid: it holds the resolvers of dynamic methods and the
// loader allocators of collectible assemblies on the stack, as a StackTrace's MethodBase objects would. The members are
// CoreCLR internals, found by reflection once; where they differ (another runtime version, NativeAOT, a trimmed
// CoreLib) the walker is unavailable and stacks are taken as StackTrace objects, as before. The helper's frame count,
// set before the walk, is how many frames the runtime walks: a stack deep in a test framework costs what its top costs.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace CheckedMmap.Reports
{
    internal static class RuntimeStackWalk
    {
        /// <summary>Walks at most <paramref name="frameLimit"/> frames (0: all) of the calling thread's stack; returns the
        /// filled helper, its method handles, IL offsets and frame count.</summary>
        private delegate object Walker(int frameLimit, out IntPtr[]? methodHandles, out int[]? ilOffsets, out int frameCount);

        private static readonly Walker? Walk;
        private static readonly ConstructorInfo? FrameFromHelper;
        private static readonly bool FrameTakesFileInfoFlag;

        static RuntimeStackWalk()
        {
            try
            {
                Walk = BuildWalker(out FrameFromHelper, out FrameTakesFileInfoFlag);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Any surprise in the runtime's internals means the public StackTrace path.
                Walk = null;
                FrameFromHelper = null;
            }
        }

        /// <summary>Whether stacks are taken through the runtime's walk (else through <see cref="StackTrace"/>).</summary>
        public static bool IsAvailable => Walk != null;

        /// <summary>Whether the walk stops at the frame limit it is given (else it walks the whole stack, and the frames
        /// past the limit are dropped afterwards).</summary>
        public static bool HonoursFrameLimit { get; private set; }

        /// <summary>Tests only: takes stacks as StackTrace objects, as where the walker is unavailable.</summary>
        internal static volatile bool DisabledForTests;

        /// <summary>The calling thread's top <paramref name="frameLimit"/> frames (0: all) as method handles and IL offsets,
        /// or false when the walker is unavailable or the walk gave no frames.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static bool TryCapture(int frameLimit, out object helper, out IntPtr[] methodHandles, out int[] ilOffsets, out int frameCount)
        {
            Walker? walk = Walk;
            if (walk != null && !DisabledForTests)
            {
                object h = walk(frameLimit, out IntPtr[]? handles, out int[]? offsets, out int count);
                if (handles != null && offsets != null && count > 0 && count <= handles.Length && count <= offsets.Length)
                {
                    helper = h;
                    methodHandles = handles;
                    ilOffsets = offsets;
                    frameCount = count;
                    return true;
                }
            }

            helper = null!;
            methodHandles = Array.Empty<IntPtr>();
            ilOffsets = Array.Empty<int>();
            frameCount = 0;
            return false;
        }

        /// <summary>How many frames at the top of a walk are the walk's own or CheckedMmap's (the frames above the caller's
        /// stack). Inlining decides how many there are (fewer once methods are optimized), so the capture counts them:
        /// to know whether a walk that stopped at its limit holds the caller's frames it asked for, and where the call
        /// path that stacks are shared by begins.</summary>
        public static int CountLeadingOwnFrames(IntPtr[] methodHandles, int frameCount)
        {
            HashSet<IntPtr> own = OwnMethodHandles.Value;
            int n = 0;
            while (n < frameCount && own.Contains(methodHandles[n]))
            {
                n++;
            }

            return n;
        }

        // The walk's own frames (the walker, learned from the trial walk; StackTrace's methods) and every method of
        // CheckedMmap's assembly, built at the first capture (reflection over the assembly, once).
        private static IntPtr[] _walkFrames = Array.Empty<IntPtr>();

        private static readonly Lazy<HashSet<IntPtr>> OwnMethodHandles = new Lazy<HashSet<IntPtr>>(BuildOwnMethodHandles);

        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "CheckedMmap's own types: a trimmed method is simply not on the stack.")]
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "As above.")]
        private static HashSet<IntPtr> BuildOwnMethodHandles()
        {
            var set = new HashSet<IntPtr>(_walkFrames);
            const BindingFlags All = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
            Type[] types;
            try
            {
                types = typeof(RuntimeStackWalk).Assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = Array.FindAll(e.Types, t => t != null)!;
            }

            // The runtime's side of the walk: StackTrace's entry and the interop stub it calls, a frame of its own or
            // not depending on how the entry was compiled.
            foreach (MethodBase method in typeof(StackTrace).GetMethods(All))
            {
                AddHandle(set, method);
            }

            foreach (Type type in types)
            {
                if (type.ContainsGenericParameters)
                {
                    continue; // a shared generic's frames are not told apart by handle: counted as the caller's
                }

                foreach (MethodBase method in type.GetMethods(All))
                {
                    AddHandle(set, method);
                }

                foreach (MethodBase method in type.GetConstructors(All))
                {
                    AddHandle(set, method);
                }
            }

            return set;
        }

        private static void AddHandle(HashSet<IntPtr> set, MethodBase method)
        {
            if (!method.ContainsGenericParameters)
            {
                set.Add(method.MethodHandle.Value);
            }
        }

        private static readonly FieldInfo? NativeOffsetsField = FindNativeOffsetsField();

        /// <summary>Each frame's offset of its return address from the start of its method's code, or null where the
        /// runtime's helper keeps none.</summary>
        public static int[]? NativeOffsets(object helper) => NativeOffsetsField?.GetValue(helper) as int[];

        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "A CoreLib internal looked up by name; absent, there are no offsets.")]
        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "As above.")]
        private static FieldInfo? FindNativeOffsetsField()
        {
            FieldInfo? field = typeof(object).Assembly.GetType("System.Diagnostics.StackFrameHelper", throwOnError: false)
                ?.GetField("rgiOffset", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            return field?.FieldType == typeof(int[]) ? field : null;
        }

        /// <summary>Frame <paramref name="index"/> of a walk, as StackTrace would have made it (method, IL offset).</summary>
        public static StackFrame? MakeFrame(object helper, int index)
        {
            ConstructorInfo? ctor = FrameFromHelper;
            if (ctor == null)
            {
                return null;
            }

            object?[] args = FrameTakesFileInfoFlag ? new object?[] { helper, index, false } : new object?[] { helper, index };
            return (StackFrame)ctor.Invoke(args);
        }

        [UnconditionalSuppressMessage("Trimming", "IL2075",
            Justification = "CoreLib internals looked up by name; absent members leave the walker unavailable.")]
        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "As above.")]
        [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "NativeAOT has no StackFrameHelper: the walker is unavailable there.")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] // its trial walk finds its own frame
        private static Walker? BuildWalker(out ConstructorInfo? frameFromHelper, out bool frameTakesFileInfoFlag)
        {
            frameFromHelper = null;
            frameTakesFileInfoFlag = false;
            const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            Type? helperType = typeof(object).Assembly.GetType("System.Diagnostics.StackFrameHelper", throwOnError: false);
            if (helperType == null)
            {
                return null;
            }

            // The helper is made without a target thread (the current one); older runtimes take it as an argument.
            ConstructorInfo? newHelper = helperType.GetConstructor(Instance, null, Type.EmptyTypes, null);
            ConstructorInfo? newHelperForThread = newHelper == null
                ? helperType.GetConstructor(Instance, null, new[] { typeof(System.Threading.Thread) }, null)
                : null;
            MethodInfo? walk = typeof(StackTrace).GetMethod("GetStackFramesInternal", BindingFlags.Static | BindingFlags.NonPublic,
                null, new[] { helperType, typeof(bool), typeof(Exception) }, null);
            FieldInfo? handles = helperType.GetField("rgMethodHandle", Instance);
            FieldInfo? offsets = helperType.GetField("rgiILOffset", Instance);
            FieldInfo? count = helperType.GetField("iFrameCount", Instance);
            frameFromHelper = typeof(StackFrame).GetConstructor(Instance, null, new[] { helperType, typeof(int), typeof(bool) }, null);
            frameTakesFileInfoFlag = frameFromHelper != null;
            frameFromHelper ??= typeof(StackFrame).GetConstructor(Instance, null, new[] { helperType, typeof(int) }, null);
            if ((newHelper == null && newHelperForThread == null) || walk == null || frameFromHelper == null
                || handles?.FieldType != typeof(IntPtr[]) || offsets?.FieldType != typeof(int[]) || count?.FieldType != typeof(int))
            {
                return null;
            }

            var method = new DynamicMethod("CheckedMmapStackWalk", typeof(object),
                new[] { typeof(int), typeof(IntPtr[]).MakeByRefType(), typeof(int[]).MakeByRefType(), typeof(int).MakeByRefType() },
                typeof(RuntimeStackWalk).Module, skipVisibility: true);
            ILGenerator il = method.GetILGenerator();
            LocalBuilder helper = il.DeclareLocal(helperType);
            if (newHelper != null)
            {
                il.Emit(OpCodes.Newobj, newHelper);
            }
            else
            {
                il.Emit(OpCodes.Ldnull);
                il.Emit(OpCodes.Newobj, newHelperForThread!);
            }

            il.Emit(OpCodes.Stloc, helper);
            il.Emit(OpCodes.Ldloc, helper);
            il.Emit(OpCodes.Ldarg_0);   // the frame count the walk stops at (0: the whole stack)
            il.Emit(OpCodes.Stfld, count);
            il.Emit(OpCodes.Ldloc, helper);
            il.Emit(OpCodes.Ldc_I4_0); // no file information: methods and IL offsets only
            il.Emit(OpCodes.Ldnull);   // the current thread's stack, not an exception's
            il.Emit(OpCodes.Call, walk);
            EmitStore(il, helper, handles, OpCodes.Stind_Ref, 1);
            EmitStore(il, helper, offsets, OpCodes.Stind_Ref, 2);
            EmitStore(il, helper, count, OpCodes.Stind_I4, 3);
            il.Emit(OpCodes.Ldloc, helper);
            il.Emit(OpCodes.Ret);
            var walker = (Walker)method.CreateDelegate(typeof(Walker));

            // Trial walks: a runtime whose walk fills other fields is found here, not at the first mmap; one that walks
            // past the limit is still right (the capture drops the frames past it), only not cheaper.
            object trial = walker(0, out IntPtr[]? h, out int[]? o, out int n);
            if (trial == null || h == null || o == null || n <= 1 || n > h.Length || n > o.Length)
            {
                return null;
            }

            walker(1, out _, out _, out int limited);
            HonoursFrameLimit = limited == 1;

            // The frames above this method in the trial walk are the walk's own (the runtime's entry, the walker).
            IntPtr self = MethodBase.GetCurrentMethod()!.MethodHandle.Value;
            int above = Array.IndexOf(h, self, 0, n);
            _walkFrames = above > 0 ? h.AsSpan(0, above).ToArray() : new[] { walk.MethodHandle.Value };
            return walker;
        }

        private static void EmitStore(ILGenerator il, LocalBuilder helper, FieldInfo field, OpCode store, short argument)
        {
            il.Emit(OpCodes.Ldarg, argument);
            il.Emit(OpCodes.Ldloc, helper);
            il.Emit(OpCodes.Ldfld, field);
            il.Emit(store);
        }
    }
}
