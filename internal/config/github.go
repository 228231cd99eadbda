package config

// GitHub configures access to GitHub (or GitHub Enterprise Server) for the
// github catalog source, actions and scorecard facts.
type GitHub struct {
	// BaseURL is the REST API base; default https://api.github.com/. For
	// GitHub Enterprise Server: https://github.example.com/api/v3/.
	BaseURL string `yaml:"base_url"`
	// TokenEnv names the environment variable holding a personal or
	// fine-grained token; default GITHUB_TOKEN.
	TokenEnv string `yaml:"token_env"`
	// App authenticates as a GitHub App installation instead of a token.
	App *GitHubApp `yaml:"app"`

	// Token is read from TokenEnv; never from the file.
	Token string `yaml:"-"`
}

// GitHubApp is a GitHub App installation.
type GitHubApp struct {
	ID             int64  `yaml:"id"`
	InstallationID int64  `yaml:"installation_id"`
	PrivateKeyFile string `yaml:"private_key_file"`
}

func (g *GitHub) applyEnv(getenv func(string) string) {
	name := g.TokenEnv
	if name == "" {
		name = "GITHUB_TOKEN"
	}
	g.Token = getenv(name)
}

func (g GitHub) validate(where string) []string {
	var errs []string
	if g.App != nil && (g.App.ID == 0 || g.App.InstallationID == 0 || g.App.PrivateKeyFile == "") {
		errs = append(errs, where+": github.app needs id, installation_id and private_key_file")
	}
	return errs
}
