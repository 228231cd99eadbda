package expr

import "reflect"

// anyType is the reflect type of `any`, the target of ConvertToNative for
// results whose shape is not known in advance (maps and lists).
var anyType = reflect.TypeOf((*any)(nil)).Elem()
