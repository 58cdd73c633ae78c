// The host's entry point: every verb, option and exit code is in CommandLine.
return await ActorKernel.Host.CommandLine.InvokeAsync(args).ConfigureAwait(false);
