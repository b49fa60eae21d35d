using Vae.Cli;

return VaeCommand.Run(args, Console.Out, Console.Error);
