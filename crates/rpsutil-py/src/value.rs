//! A serde serializer into a small value tree that keeps what Python needs and JSON
//! loses: struct names (they pick the namedtuple class), field order, NaN, and the
//! difference between ints and floats.
//!
//! The library's result types already serialise in psutil's shape (the contract test
//! `crates/rpsutil/tests/contracts.rs` checks their keys against psutil's per-OS
//! field table), so one serializer turns every result into psutil's Python values
//! without a hand-written conversion per type.

use serde::ser::{self, Serialize};
use std::fmt;

/// A serialised value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// `None` (`Option::None`, unit).
    None,
    /// A bool.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer too large for i64 is kept exact.
    UInt(u64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence or tuple.
    Seq(Vec<Val>),
    /// A map, in serialisation order (also what `#[serde(flatten)]` produces).
    Map(Vec<(Val, Val)>),
    /// A struct: its serde name and its fields in order.
    Struct(&'static str, Vec<(&'static str, Val)>),
}

/// Why a value could not be serialised (only a custom `Serialize` can fail).
#[derive(Debug)]
pub struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// Serialises `v` into a [`Val`].
pub fn to_val<T: Serialize + ?Sized>(v: &T) -> Result<Val, SerError> {
    v.serialize(ValSerializer)
}

struct ValSerializer;

/// Collects a sequence, tuple or tuple struct.
pub struct SeqBuilder(Vec<Val>);

/// Collects a map.
pub struct MapBuilder {
    entries: Vec<(Val, Val)>,
    key: Option<Val>,
}

/// Collects a struct's fields.
pub struct StructBuilder(&'static str, Vec<(&'static str, Val)>);

impl ser::Serializer for ValSerializer {
    type Ok = Val;
    type Error = SerError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = StructBuilder;
    type SerializeStructVariant = StructBuilder;

    fn serialize_bool(self, v: bool) -> Result<Val, SerError> {
        Ok(Val::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Val, SerError> {
        Ok(Val::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Val, SerError> {
        Ok(Val::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Val, SerError> {
        Ok(Val::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Val, SerError> {
        Ok(Val::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Val, SerError> {
        Ok(Val::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Val, SerError> {
        Ok(Val::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Val, SerError> {
        Ok(Val::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Val, SerError> {
        Ok(i64::try_from(v).map_or(Val::UInt(v), Val::Int))
    }
    fn serialize_f32(self, v: f32) -> Result<Val, SerError> {
        Ok(Val::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Val, SerError> {
        Ok(Val::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Val, SerError> {
        Ok(Val::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Val, SerError> {
        Ok(Val::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Val, SerError> {
        Ok(Val::Seq(v.iter().map(|b| Val::Int((*b).into())).collect()))
    }
    fn serialize_none(self) -> Result<Val, SerError> {
        Ok(Val::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Val, SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Val, SerError> {
        Ok(Val::None)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Val, SerError> {
        Ok(Val::None)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Val, SerError> {
        Ok(Val::Str(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Val, SerError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<Val, SerError> {
        v.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, SerError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, SerError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder, SerError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, SerError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, SerError> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<StructBuilder, SerError> {
        Ok(StructBuilder(name, Vec::with_capacity(len)))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        len: usize,
    ) -> Result<StructBuilder, SerError> {
        Ok(StructBuilder(name, Vec::with_capacity(len)))
    }
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.0.push(to_val(v)?);
        Ok(())
    }
}

/// The four sequence-like serde traits collect their elements the same way.
macro_rules! seq_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for SeqBuilder {
            type Ok = Val;
            type Error = SerError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
                self.push(v)
            }
            fn end(self) -> Result<Val, SerError> {
                Ok(Val::Seq(self.0))
            }
        }
    )*};
}

seq_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for MapBuilder {
    type Ok = Val;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), SerError> {
        self.key = Some(to_val(k)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerError("map value without a key".into()))?;
        self.entries.push((key, to_val(v)?));
        Ok(())
    }
    fn end(self) -> Result<Val, SerError> {
        Ok(Val::Map(self.entries))
    }
}

/// Structs and struct variants collect their fields the same way.
macro_rules! struct_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for StructBuilder {
            type Ok = Val;
            type Error = SerError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), SerError> {
                self.1.push((key, to_val(v)?));
                Ok(())
            }
            fn end(self) -> Result<Val, SerError> {
                Ok(Val::Struct(self.0, self.1))
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);
