// A methods-only capture needs, per frame, the method and its IL offset, and needs them as text only for a report.
// `new StackTrace(1, false)` also builds a StackFrame and resolves a MethodBase per frame at once, which is half of its
// cost. This walker calls the walk StackTrace itself uses (CoreCLR's StackFrameHelper, filled by the runtime) and keeps
// the helper: its arrays of method handles and IL offsets identify the path, and StackFrames are made from it for a
// report. Keeping the helper is what keeps its handles valid: it holds the resolvers of dynamic methods and the
// loader allocators of collectible assemblies on the stack, as a StackTrace's MethodBase objects would. The members are
// CoreCLR internals, found by reflection once; where they differ (another runtime version, NativeAOT, a trimmed
// CoreLib) the walker is unavailable and stacks are taken as StackTrace objects, as before.
using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;

namespace CheckedMmap.Reports
{
    internal static class RuntimeStackWalk
    {
        /// <summary>Walks the calling thread's stack; returns the filled helper, its method handles, IL offsets and frame count.</summary>
        private delegate object Walker(out IntPtr[]? methodHandles, out int[]? ilOffsets, out int frameCount);

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

        /// <summary>Tests only: takes stacks as StackTrace objects, as where the walker is unavailable.</summary>
        internal static volatile bool DisabledForTests;

        /// <summary>The calling thread's frames as method handles and IL offsets, or false when the walker is unavailable
        /// or the walk gave no frames.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static bool TryCapture(out object helper, out IntPtr[] methodHandles, out int[] ilOffsets, out int frameCount)
        {
            Walker? walk = Walk;
            if (walk != null && !DisabledForTests)
            {
                object h = walk(out IntPtr[]? handles, out int[]? offsets, out int count);
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
                new[] { typeof(IntPtr[]).MakeByRefType(), typeof(int[]).MakeByRefType(), typeof(int).MakeByRefType() },
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
            il.Emit(OpCodes.Ldc_I4_0); // no file information: methods and IL offsets only
            il.Emit(OpCodes.Ldnull);   // the current thread's stack, not an exception's
            il.Emit(OpCodes.Call, walk);
            EmitStore(il, helper, handles, OpCodes.Stind_Ref, 0);
            EmitStore(il, helper, offsets, OpCodes.Stind_Ref, 1);
            EmitStore(il, helper, count, OpCodes.Stind_I4, 2);
            il.Emit(OpCodes.Ldloc, helper);
            il.Emit(OpCodes.Ret);
            var walker = (Walker)method.CreateDelegate(typeof(Walker));

            // One trial walk: a runtime whose walk fills other fields is found here, not at the first mmap.
            object trial = walker(out IntPtr[]? h, out int[]? o, out int n);
            if (trial == null || h == null || o == null || n <= 0 || n > h.Length || n > o.Length)
            {
                return null;
            }

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
