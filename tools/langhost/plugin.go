package main

// Policy packs: `pulumi preview --policy-pack DIR` with a PulumiPolicy.yaml of runtime python makes the engine
// ask this host to RunPlugin the pack directory (kind "analyzer").

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// policyModule is the Python SDK's policy-pack launcher: `python -m pulumi.policy ENGINE PACK_DIR` runs the
// pack's __main__.py, whose PolicyPack prints the port of its Analyzer server on stdout.
const policyModule = "pulumi.policy"

// RunPlugin runs a Python policy pack in the environment its PulumiPolicy.yaml names (runtime options as for a
// program: virtualenv, toolchain), with its output streamed back to the engine.
//
// The engine talks to a proxy first: the proxy takes the stack's configuration (project, stack, config, dry
// run), which the pack reads from its environment, so the pack starts only once that is known; then every call
// is forwarded to the pack. The pack's working directory is its own directory.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != string(apitype.AnalyzerPlugin) {
		return status.Errorf(codes.Unimplemented,
			"this Python language host runs policy packs only, not %q plugins", req.GetKind())
	}
	ctx := server.Context()
	packDir := req.GetInfo().GetProgramDirectory()
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return fmt.Errorf("policy pack %s: %w", packDir, err)
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return fmt.Errorf("policy pack %s: %w", packDir, err)
	}
	args := append([]string{"-u", "-m", policyModule}, req.GetArgs()...)
	cmd, err := tc.Command(ctx, append(args, packDir)...)
	if err != nil {
		return err
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	proxy, packStdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("starting the policy pack proxy: %w", err)
	}
	stack, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the stack configuration: %w", err)
	}
	env, err := policyEnv(stack)
	if err != nil {
		return err
	}
	// The engine's environment first, then the virtualenv activation, then what the pack reads of the stack.
	cmd.Env = append(append(append([]string{}, req.GetEnv()...), cmdEnv(cmd)...), env...)
	cmd.Dir = packDir
	cmd.Stdout, cmd.Stderr = packStdout, stderr
	// When the engine goes away (its stream ends) the pack is interrupted, then killed if it lingers.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	dieWithHost(cmd)

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start the policy pack with %s: %w", cmd.Path, err)
	}
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return server.Send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
			})
		}
		return fmt.Errorf("policy pack %s: %w", packDir, err)
	}
	return closer.Close()
}

// cmdEnv is the environment a toolchain command runs with (nil there means this process's own).
func cmdEnv(cmd *exec.Cmd) []string {
	if cmd.Env == nil {
		return os.Environ()
	}
	return cmd.Env
}

// policyEnv is what the Python policy SDK reads of the stack: PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN,
// PULUMI_ORGANIZATION and PULUMI_CONFIG (nothing when the engine configured no stack, as for `policy publish`).
func policyEnv(stack *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if stack == nil {
		return nil, nil
	}
	var env []string
	add := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	add("PULUMI_ORGANIZATION", stack.GetOrganization())
	add("PULUMI_PROJECT", stack.GetProject())
	add("PULUMI_STACK", stack.GetStack())
	add("PULUMI_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
	if config := stack.GetConfig(); config != nil {
		text, err := json.Marshal(config)
		if err != nil {
			return nil, fmt.Errorf("serializing the stack configuration: %w", err)
		}
		add("PULUMI_CONFIG", string(text))
	}
	return env, nil
}
