package templates

// APIReference is the JSON API's reference page, made from the OpenAPI
// document the API serves and its contract tests check.
type APIReference struct {
	// BaseURL is where this server's API is reached, for the curl lines.
	BaseURL string
	Intro   []string // the document's description, by paragraph
	// Errors are the shared error answers, by name, each with its example
	// (operations list their statuses without repeating them).
	Errors  []APIResponse
	Groups  []APIGroup
	Schemas []APISchema
}

// APIGroup is the operations of one tag (a resource), in the document's
// order.
type APIGroup struct {
	Name       string
	Operations []APIOperation
}

// APIOperation is one method on one path.
type APIOperation struct {
	ID, Method, Path, Summary, Description string
	Public                                 bool // needs no API key
	Params                                 []APIField
	Body                                   *APIBody
	Responses                              []APIResponse
	Curl                                   string
}

// APIBody is an operation's request body.
type APIBody struct {
	Schema   string // component schema name, when it is one
	Required bool
	Fields   []APIField
	Examples []string // JSON, indented
}

// APIResponse is one status of an operation.
type APIResponse struct {
	Status, Description string
	Schema              string // component schema name, when it is one
	Fields              []APIField
	Example             string // JSON, indented
}

// APIField is a parameter or a field of a body: its type in words, with
// Ref the component schema it is (or is a list of), to link to.
type APIField struct {
	Name, In, Type, Ref, Description string
	Required                         bool
}

// APISchema is a component schema, with its fields.
type APISchema struct {
	Name, Type, Description string
	Fields                  []APIField
}
