package catalogtest

// The vocabularies the generator draws names, tags and descriptions from.
// They are read-only; every entry is a valid name part and a valid tag.
var (
	domainWords = []string{
		"commerce", "identity", "logistics", "payments", "marketing", "analytics",
		"content", "messaging", "search", "security", "billing", "catalog",
		"growth", "support", "compliance", "finance", "inventory", "mobile",
		"partners", "platform", "data", "media", "pricing", "trust",
	}
	animals = []string{
		"otter", "badger", "heron", "lynx", "falcon", "marten", "puffin", "wren",
		"beaver", "stoat", "kestrel", "hare", "newt", "osprey", "vole", "fox",
		"raven", "swift", "bison", "gecko",
	}
	firstNames = []string{
		"Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Ines",
		"Jonas", "Kira", "Luca", "Maya", "Nikhil", "Olga", "Pablo", "Quinn",
		"Rhea", "Sami", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zara",
	}
	lastNames = []string{
		"Okafor", "Silva", "Novak", "Haddad", "Lindqvist", "Tanaka", "Patel",
		"Moreau", "Kowalski", "Nguyen", "Garcia", "Berg", "Costa", "Fischer",
		"Ivanova", "Kim", "Mensah", "OBrien", "Rossi", "Sato", "Walsh", "Yilmaz",
	}
	nouns = []string{
		"orders", "payments", "refunds", "invoices", "receipts", "emails", "sms",
		"notifications", "listings", "images", "reviews", "ratings", "coupons",
		"baskets", "payouts", "shipments", "labels", "parcels", "returns",
		"inventory", "prices", "taxes", "currencies", "sessions", "tokens",
		"accounts", "profiles", "addresses", "messages", "disputes", "fraud",
		"ledgers", "reports", "exports", "webhooks", "feeds", "banners",
		"campaigns", "recommendations", "categories", "translations", "audits",
		"subscriptions", "giftcards", "warehouses", "carriers", "experiments",
	}
	systemWords    = []string{"platform", "hub", "core", "suite", "engine", "pipeline"}
	componentWords = []string{
		"service", "worker", "gateway", "sync", "exporter", "importer",
		"scheduler", "indexer", "bff", "web", "portal", "dashboard", "lib", "sdk",
	}
	verbs = []string{
		"sends", "stores", "indexes", "aggregates", "validates", "schedules",
		"reconciles", "renders", "caches", "streams", "exports", "imports",
		"routes", "authorises", "refunds", "prices", "tracks", "deduplicates",
		"archives", "encrypts", "translates", "moderates", "forecasts", "batches",
	}
	audiences = []string{
		"buyers", "sellers", "the support team", "finance", "the mobile apps",
		"partners", "other services", "the warehouse", "marketing", "admins",
	}
	techs = []string{
		"PostgreSQL", "Kafka", "Redis", "SQS", "S3", "OpenSearch", "gRPC",
		"GraphQL", "SendGrid", "Twilio", "Stripe", "BigQuery", "a nightly batch",
	}
	tagWords = []string{
		"go", "java", "kotlin", "python", "typescript", "rust", "grpc", "rest",
		"graphql", "kafka", "postgres", "redis", "pci", "gdpr", "tier-1", "tier-2",
		"tier-3", "frontend", "backend", "batch", "ml", "email", "mobile", "internal",
		"public", "legacy", "k8s", "lambda", "c++", "team:core",
	}
	lifecycles = []string{"production", "production", "production", "production", "production",
		"production", "production", "experimental", "experimental", "deprecated"}
	apiTypes = []string{"openapi", "grpc", "asyncapi", "openapi", "graphql"}
)
